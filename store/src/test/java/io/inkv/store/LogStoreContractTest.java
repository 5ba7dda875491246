package io.inkv.store;

/** The store contract, run against the local store. */
class LogStoreContractTest extends StoreContractTest {
  @Override
  protected Store openStore(StoreOptions options) {
    return Store.open(options);
  }
}
