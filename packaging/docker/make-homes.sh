#!/bin/sh
# Makes the homes of the compose network (packaging/docker/compose.yaml) in NET (default /data),
# once: 4 validators node0..node3 (`shulian-node testnet --hosts`, each listening on its own
# container's name) and an observer (`shulian-node init` with the validators' genesis, its peer
# id put on every validator's allow-list). Does nothing when NET/node0 exists.
set -eu
NET=${1:-/data}
if [ -e "$NET/node0" ]; then
  echo "homes already in $NET"
  exit 0
fi
shulian-node testnet --hosts node0,node1,node2,node3 --out "$NET" --chain-id shulian-compose
peers=""
for k in 0 1 2 3; do
  peers="$peers --peer /dns/node$k/tcp/8646/p2p/$(shulian-node peer-id --home "$NET/node$k")"
done
# shellcheck disable=SC2086 # one --peer word pair per validator
shulian-node init --home "$NET/observer" --genesis "$NET/node0/genesis.json" \
  --http observer:8645 --p2p-listen /ip4/0.0.0.0/tcp/8646 $peers
observer=$(shulian-node peer-id --home "$NET/observer")
for k in 0 1 2 3; do
  cfg="$NET/node$k/config.toml"
  if grep -q '^allowed_peers = \[\]' "$cfg"; then
    sed -i "s|^allowed_peers = \[\]|allowed_peers = [\"$observer\"]|" "$cfg"
  else
    printf 'allowed_peers = ["%s"]\n' "$observer" >> "$cfg"
  fi
done
echo "made the homes of 4 validators and an observer in $NET"
