module tributary/frames/go-sdk-check

go 1.24

require github.com/grafana/grafana-plugin-sdk-go v0.299.0
