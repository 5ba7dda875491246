-- wrk script for the small cache server's workload: 10,000 keys, 80% GET /get/{key},
-- 20% POST /store/{key} with a 12-byte body. Closed loop (wrk does not correct for coordinated
-- omission): a throughput reference beside HttpLoad's open-loop figures.
math.randomseed(42)
request = function()
  local key = string.format("key%05d", math.random(0, 9999))
  if math.random() < 0.8 then
    return wrk.format("GET", "/get/" .. key)
  else
    return wrk.format("POST", "/store/" .. key, nil, "hello world!")
  end
end
