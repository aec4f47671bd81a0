# Sourced by the load scripts (assign_load.sh, track_load.sh, http_load.sh):
# checks the binaries, then either uses the server named by CXLAB_SERVER +
# CXLAB_KEY (and CXLAB_HTTP for its HTTP address) or starts cxlabd on a
# temporary data dir with gRPC and HTTP on free ports, applies experiments/,
# and stops it and removes the dir on exit. Expects: name, repo, cxlab,
# cxlabd. Sets: server, http_server (empty when unknown), key, data_dir
# (empty when nothing was started).

for binary in "${cxlab}" "${cxlabd}"; do
  if [[ ! -x "${binary}" ]]; then
    echo "${name}: ${binary} not found; build first (make build)" >&2
    exit 2
  fi
done

daemon_pid=""
data_dir=""
cleanup() {
  if [[ -n "${daemon_pid}" ]] && kill -0 "${daemon_pid}" 2>/dev/null; then
    kill -TERM "${daemon_pid}" 2>/dev/null || true
    wait "${daemon_pid}" 2>/dev/null || true
  fi
  if [[ -n "${data_dir}" ]]; then rm -rf "${data_dir}"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -n "${CXLAB_SERVER:-}" && -n "${CXLAB_KEY:-}" ]]; then
  server="${CXLAB_SERVER}"
  http_server="${CXLAB_HTTP:-}"
  key="${CXLAB_KEY}"
  echo "== benchmarking ${server} (nothing started)"
else
  data_dir="$(mktemp -d "${TMPDIR:-/tmp}/cxlab-${name}.XXXXXX")"
  key="bench-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  echo "== starting cxlabd on ${data_dir}"
  CXLAB_ADMIN_KEY="${key}" "${cxlabd}" --data_dir "${data_dir}/db" \
    --grpc_port 0 --http_port 0 >"${data_dir}/cxlabd.log" 2>&1 &
  daemon_pid=$!
  server=""
  for _ in $(seq 1 300); do
    server="$(sed -n 's/^listening on //p' "${data_dir}/cxlabd.log")"
    http_server="$(sed -n 's/^http listening on //p' "${data_dir}/cxlabd.log")"
    [[ -n "${server}" && -n "${http_server}" ]] && break
    if ! kill -0 "${daemon_pid}" 2>/dev/null; then break; fi
    sleep 0.1
  done
  if [[ -z "${server}" ]]; then
    echo "${name}: cxlabd did not start:" >&2
    cat "${data_dir}/cxlabd.log" >&2
    exit 1
  fi
  echo "   listening on ${server} (gRPC), ${http_server} (HTTP)"

  echo "== cxlab apply -f experiments"
  (cd "${repo}" &&
    "${cxlab}" --server "${server}" --key "${key}" apply -f experiments)
fi
