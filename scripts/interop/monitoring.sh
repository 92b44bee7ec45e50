# shellcheck shell=bash
# Monitoring (issue 17), sourced by scripts/interop.sh:
#   html_render     `smtping check --format html` for one report per state, each page rendered by
#                   headless Chromium: a screenshot per state, and the page must load with no
#                   console message (the oracle is tested first on a page that logs one).
#   prometheus_scrape  `smtping serve` probing the interop servers, a real Prometheus scraping it,
#                   and Prometheus's HTTP API asked for probe_success of a healthy target (1) and
#                   a failing one (0).
# Both need $SMTPING_BIN (cli_test builds it) and the running setup's $WORK/env.

PORT_PROMETHEUS=10090 # Prometheus's web/API listener (127.0.0.1)
PORT_SERVE=10091      # smtping serve (127.0.0.1)
# Screenshots and pages outlive $WORK (which `stop` removes) so a CI log can point at them.
ARTIFACTS=${SMTPING_INTEROP_ARTIFACTS:-/var/tmp/smtping-interop-artifacts}

# chromium_load PAGE PNG ERRLOG: one headless render; no network (every name resolves to
# nothing), a throwaway profile under $WORK, bounded by timeout. Reduced motion: a screenshot is
# the first frame, so the envelope is pictured where it stopped, not where its journey starts.
chromium_load() {
    local page=$1 png=$2 errlog=$3 size=${4:-1100,1400}
    timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-extensions \
        --no-first-run --disable-background-networking --disable-sync \
        --host-resolver-rules='MAP * ~NOTFOUND' --user-data-dir="$WORK/chromium" \
        --enable-logging=stderr --v=0 --hide-scrollbars --window-size="$size" \
        --force-prefers-reduced-motion \
        --screenshot="$png" "file://$page" >/dev/null 2>"$errlog"
}

# console_messages ERRLOG: what the page itself logged (errors, warnings, failed loads).
console_messages() { grep -E ':CONSOLE[:(]|Failed to load resource|Refused to' "$1" || true; }

html_render() {
    local out=$ARTIFACTS/html rc=0 rows=() name want args page png err msgs
    rm -rf "$out"
    mkdir -p "$out" "$WORK/chromium"
    command -v chromium >/dev/null || {
        log "FAIL: chromium is not installed"
        return 1
    }
    # The oracle first: a page that logs a console error must be caught, or a clean result
    # below would mean nothing.
    printf '<!doctype html><title>oracle</title><script>console.error("oracle-probe")</script>\n' \
        >"$out/oracle.html"
    chromium_load "$out/oracle.html" "$out/oracle.png" "$out/oracle.log" || true
    if ! console_messages "$out/oracle.log" | grep -q oracle-probe; then
        log "FAIL: headless Chromium did not report the oracle page's console error"
        head -c 3000 "$out/oracle.log" >&2
        return 1
    fi
    rm -f "$out/oracle."*
    (
        set -a
        # shellcheck disable=SC1091 # written at setup
        . "$WORK/env"
        set +a
        local tls=(--ca-file "$SMTPING_INTEROP_CA" --sni "$SMTPING_INTEROP_MX_HOST"
            --command-timeout 15s --connect-timeout 5s --no-signals)
        # name|exit|what the card must say|args
        local cases=(
            "accepted|0|Delivery|$SMTPING_INTEROP_POSTFIX_STARTTLS --from $SMTPING_INTEROP_FROM --to $SMTPING_INTEROP_RCPT_OK"
            "deferred|1|greylist|$SMTPING_INTEROP_POSTFIX_GREYLIST --from $SMTPING_INTEROP_FROM --to $SMTPING_INTEROP_RCPT_OK --quit-after rcpt"
            "bounced|2|550|$SMTPING_INTEROP_POSTFIX_STARTTLS --from $SMTPING_INTEROP_FROM --to $SMTPING_INTEROP_RCPT_UNKNOWN --quit-after rcpt"
            "tls-expired|2|expired|$SMTPING_INTEROP_TLS_EXPIRED"
            "refused|2|refused|$SMTPING_INTEROP_REFUSED"
        )
        local c code
        for c in "${cases[@]}"; do
            IFS='|' read -r name want needle args <<<"$c"
            page=$out/$name.html
            png=$out/$name.png
            err=$out/$name.chromium.log
            code=0
            # shellcheck disable=SC2086 # args is a word list built above
            timeout 60 "$SMTPING_BIN" check $args "${tls[@]}" --format html >"$page" 2>"$out/$name.err" || code=$?
            local problems=()
            [ "$code" = "$want" ] || problems+=("smtping exit $code, want $want")
            grep -q 'SMTP Health' "$page" || problems+=("no SMTP Health card")
            grep -qi -- "$needle" "$page" || problems+=("the page does not say '$needle'")
            if grep -Eq '(src|href)="(https?:)?//' "$page"; then problems+=("an external resource"); fi
            if chromium_load "$page" "$png" "$err" && [ -s "$png" ]; then
                msgs=$(console_messages "$err")
                [ -z "$msgs" ] || problems+=("console: $(head -c 300 <<<"$msgs" | tr '\n' ' ')")
            else
                problems+=("chromium could not render it (see $err)")
            fi
            if [ ${#problems[@]} -eq 0 ]; then
                rows+=("PASS|$name|$png ($(stat -c %s "$png") bytes)")
            else
                rows+=("FAIL|$name|$(IFS=';' && echo "${problems[*]}")")
                rc=1
            fi
        done
        # The batch page: every state above in one sortable table.
        name=batch
        page=$out/batch.html
        png=$out/batch.png
        err=$out/batch.chromium.log
        printf '%s\n' "$SMTPING_INTEROP_POSTFIX_STARTTLS" "$SMTPING_INTEROP_TLS_EXPIRED" \
            "$SMTPING_INTEROP_REFUSED" >"$out/targets.txt"
        code=0
        timeout 90 "$SMTPING_BIN" check --targets "$out/targets.txt" "${tls[@]}" --format html \
            >"$page" 2>"$out/batch.err" || code=$?
        local problems=()
        [ "$code" = 2 ] || problems+=("smtping exit $code, want 2")
        [ "$(grep -c '<tr data-verdict=' "$page")" = 3 ] || problems+=("not 3 rows")
        if chromium_load "$page" "$png" "$err" 1800,900 && [ -s "$png" ]; then
            msgs=$(console_messages "$err")
            [ -z "$msgs" ] || problems+=("console: $(head -c 300 <<<"$msgs" | tr '\n' ' ')")
        else
            problems+=("chromium could not render it (see $err)")
        fi
        if [ ${#problems[@]} -eq 0 ]; then
            rows+=("PASS|$name|$png ($(stat -c %s "$png") bytes)")
        else
            rows+=("FAIL|$name|$(IFS=';' && echo "${problems[*]}")")
            rc=1
        fi
        printf '%-4s  %-12s %s\n' RES STATE SCREENSHOT
        local row res detail
        for row in "${rows[@]}"; do
            IFS='|' read -r res name detail <<<"$row"
            printf '%-4s  %-12s %s\n' "$res" "$name" "$detail"
        done
        log "html-render: ${#rows[@]} pages rendered by $(chromium --version 2>/dev/null | head -1), screenshots in $out"
        return $rc
    )
}

# prom_query EXPR: the first sample's value of an instant query, or "" (python3 parses JSON).
prom_query() {
    curl -sS --max-time 5 -G "http://127.0.0.1:$PORT_PROMETHEUS/api/v1/query" \
        --data-urlencode "query=$1" 2>/dev/null | python3 -c '
import json, sys
try:
    r = json.load(sys.stdin)["data"]["result"]
    print(r[0]["value"][1] if r else "")
except Exception:
    print("")'
}

prometheus_scrape() {
    local dir=$WORK/prometheus rc=0
    command -v prometheus >/dev/null || {
        log "FAIL: prometheus is not installed"
        return 1
    }
    [ -f "$TPL/prometheus/prometheus.yml.in" ] || {
        log "FAIL: no $TPL/prometheus/prometheus.yml.in"
        return 1
    }
    mkdir -p "$dir/data" "$WORK/run" "$ARTIFACTS"
    local good bad ca
    good=$(grep '^SMTPING_INTEROP_POSTFIX_STARTTLS=' "$WORK/env" | cut -d= -f2)
    bad=$(grep '^SMTPING_INTEROP_TLS_EXPIRED=' "$WORK/env" | cut -d= -f2)
    ca=$(grep '^SMTPING_INTEROP_CA=' "$WORK/env" | cut -d= -f2)
    sed -e "s|@SERVE_PORT@|$PORT_SERVE|g" -e "s|@GOOD_TARGET@|$good|g" -e "s|@BAD_TARGET@|$bad|g" \
        "$TPL/prometheus/prometheus.yml.in" >"$dir/prometheus.yml"
    sed -e "s|@CA_FILE@|$ca|g" -e "s|@MX_HOST@|$MX_HOST|g" \
        "$TPL/prometheus/smtping.toml.in" >"$dir/smtping.toml"
    promtool check config "$dir/prometheus.yml" >"$dir/promtool.log" 2>&1 || {
        log "FAIL: promtool rejects the scrape config"
        cat "$dir/promtool.log" >&2
        return 1
    }
    "$SMTPING_BIN" serve --listen "127.0.0.1:$PORT_SERVE" --config "$dir/smtping.toml" \
        >"$dir/serve.out" 2>"$dir/serve.log" &
    echo $! >"$WORK/run/serve.pid"
    wait_tcp 127.0.0.1 "$PORT_SERVE" 10 || {
        log "FAIL: smtping serve did not listen on $PORT_SERVE"
        cat "$dir/serve.log" >&2
        return 1
    }
    # One probe by hand: the exposition itself goes into the log.
    curl -sS --max-time 30 -H 'X-Prometheus-Scrape-Timeout-Seconds: 20' \
        "http://127.0.0.1:$PORT_SERVE/probe?target=$good&module=starttls" >"$ARTIFACTS/probe-good.txt" || rc=1
    log "smtping serve /probe?target=$good&module=starttls:"
    grep -E '^(probe_|smtping_verdict|smtping_area_status)' "$ARTIFACTS/probe-good.txt" | head -20 >&2 || true
    prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
        --web.listen-address="127.0.0.1:$PORT_PROMETHEUS" --log.level=warn \
        >"$dir/prometheus.out" 2>"$dir/prometheus.log" &
    echo $! >"$WORK/run/prometheus.pid"
    wait_tcp 127.0.0.1 "$PORT_PROMETHEUS" 20 || {
        log "FAIL: prometheus did not listen on $PORT_PROMETHEUS"
        cat "$dir/prometheus.log" >&2
        return 1
    }
    local i g="" b="" t0=$SECONDS
    for ((i = 0; i < 40; i++)); do
        g=$(prom_query "probe_success{instance=\"$good\"}")
        b=$(prom_query "probe_success{instance=\"$bad\"}")
        [ -n "$g" ] && [ -n "$b" ] && break
        sleep 1.5
    done
    log "prometheus (after $((SECONDS - t0)) s): probe_success{instance=\"$good\"} = ${g:-absent}, probe_success{instance=\"$bad\"} = ${b:-absent}"
    local days
    days=$(prom_query "(probe_ssl_earliest_cert_expiry{instance=\"$good\"} - time()) / 86400")
    log "prometheus: days until the healthy target's certificate expires = ${days:-absent}"
    [ "$g" = 1 ] || {
        log "FAIL: probe_success of the healthy target is '${g:-absent}', want 1"
        rc=1
    }
    [ "$b" = 0 ] || {
        log "FAIL: probe_success of the failing target is '${b:-absent}', want 0"
        rc=1
    }
    if [ $rc -ne 0 ]; then
        curl -sS --max-time 5 "http://127.0.0.1:$PORT_PROMETHEUS/api/v1/targets" >&2 || true
        tail -20 "$dir/serve.log" "$dir/prometheus.log" >&2 || true
    fi
    stop_monitoring
    return $rc
}

stop_monitoring() {
    kill_pidfile "$WORK/run/prometheus.pid" prometheus
    kill_pidfile "$WORK/run/serve.pid" smtping
}

do_monitoring() {
    [ -s "$WORK/env" ] || die "no $WORK/env: run '$0 setup' first"
    [ -n "${SMTPING_BIN:-}" ] || find_smtping_bin || return 1
    local rc=0 t0=$SECONDS
    html_render || rc=1
    prometheus_scrape || rc=1
    log "monitoring: rc=$rc, $((SECONDS - t0)) s"
    return $rc
}
