package io.inkv.server;

/** The routes of the HTTP API, as metrics label them; docs/server.md describes each. */
enum Route {
  ROOT("root"),
  CACHE_STORE("cache_store"),
  CACHE_GET("cache_get"),
  HEALTH("health"),
  READY("ready"),
  METRICS("metrics"),
  DOC_UPSERT("doc_upsert"),
  DOC_GET("doc_get"),
  DOC_DELETE("doc_delete"),
  DOC_DELETE_FIELDS("doc_delete_fields"),
  FIELD_GET("field_get"),
  FIELD_PUT("field_put"),
  MULTI_GET("multi_get"),
  STORE_CONFIG("store_config"),
  IMAGE_LIST("image_list"),
  IMAGE_GET("image_get"),
  IMAGE_CREATE("image_create"),
  UNMATCHED("unmatched");

  final String label;

  Route(String label) {
    this.label = label;
  }
}
