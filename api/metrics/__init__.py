"""`/metrics` in the Prometheus exposition format (prometheus-client): what the server did.

Not public: `KB_METRICS_ROLE` names the key role that may read `/metrics` on the API port
(`off`: none, a 404), and `KB_METRICS_PORT` serves it without a key on 127.0.0.1 only, for a
scraper on the same machine (cli/metrics_port.py). Under `kb serve --workers N` each worker
keeps its metrics in a private folder the supervisor makes (prometheus_client's multiprocess
mode) and a scrape of either port adds up every worker's.

The series (counters end in `_total` as exposed):

- `kb_http_requests_total{route, method, status, channel}`: requests answered, by route
  template (`unmatched` for a path no route has), method (`other` for an unusual one), HTTP
  status and channel served (`""` on a route without one, `other` for an unknown one); those
  the quick path answers from the cache (api/quick.py) too.
- `kb_http_request_duration_seconds{route}` (histogram): from a request's arrival in the app
  to its last byte sent.
- `kb_answers_total{status, channel}`: answers sent with a body, cached ones too, by the
  answer's status (`answered`, `clarify`, `no_answer`); a 304 is only a request.
- `kb_searches_total{channel}`, `kb_zero_hit_searches_total{channel}`: searches sent with a
  body, cached ones too, and those of them that found nothing.
- `kb_served_release` (gauge): the release this process serves (0 before the first); under
  workers the lowest any live worker serves, so it moves once all have switched.
- `kb_served_release_published_timestamp_seconds` (gauge): when that release was published
  (Unix time); its age is `time() - kb_served_release_published_timestamp_seconds`.
- `kb_index_build_duration_seconds`, `kb_matcher_build_duration_seconds` (histograms): building
  a release's search index (and sentence vectors), training its matchers, where it was built.
- `kb_release_load_duration_seconds` (histogram): opening a built release's index and
  matchers, in every process at every switch.
- `kb_events_written_total`, `kb_event_queue_dropped_total`: delivery events (issue 16)
  written to the event table, and dropped because the queue was full or the event store
  refused them (a request never waits for either). Read from the process's recorder
  (kb.events) at each delivery response and each scrape (api/metrics/events.py).

The publish time is a timestamp, not an age: Prometheus's own advice for "how long since"
(`process_start_time_seconds` is one), since an age is stale the moment it is scraped and a
timestamp needs no clock work at scrape time, nor any in the supervisor that adds up workers.
"""
