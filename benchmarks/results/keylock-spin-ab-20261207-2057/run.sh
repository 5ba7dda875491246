#!/bin/bash
cd /tmp/ab2
for r in 1 2 3; do
  for v in B2 C; do
    echo "== round $r $v $(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg)" >> /tmp/ab2/log
    java -jar /tmp/$v.jar 'codec.ValueShapeBenchmark.put$' -p system=inkv -p shape=record,list10,map10 -p entries=1000000 -f 1 -wi 2 -w 3s -i 4 -r 4s -prof gc -rf json -rff /tmp/ab2/$v-$r.json > /tmp/ab2/$v-$r.log 2>&1
  done
done
echo done >> /tmp/ab2/log
