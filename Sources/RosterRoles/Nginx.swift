import RosterKit
import RosterSystem

/// Renders the web role's nginx.conf: the static site, `/api/` proxied round robin to the ready
/// app instances from this instance's own address, passive failover to the next app on error.
public enum NginxConfig {
    /// What the file depends on.
    public struct Input: Sendable, Equatable {
        public var instance: String
        public var address: String
        public var port: Int
        public var stateDirectory: String
        public var site: String
        /// `address:port` of every app instance that serves.
        public var apps: [String]
        public var accessLog: Bool
        /// Served at `/nginx-config`, so a reload can be confirmed (new workers answer with it).
        public var generation: String

        public init(instance: String, address: String, port: Int, stateDirectory: String, site: String, apps: [String],
                    accessLog: Bool, generation: String = "0") {
            self.generation = generation
            self.instance = instance
            self.address = address
            self.port = port
            self.stateDirectory = stateDirectory
            self.site = site
            self.apps = apps
            self.accessLog = accessLog
        }
    }

    /// The file's text.
    public static func render(_ input: Input) -> String {
        let dir = input.stateDirectory
        // nginx needs at least one server in an upstream: with no app ready, a marked-down placeholder.
        let servers = input.apps.isEmpty ? ["server 127.0.0.1:9 down;"]
            : input.apps.map { "server \($0) max_fails=1 fail_timeout=2s;" }
        return Render.header("web \(input.instance)") + """
            daemon off;
            master_process on;
            worker_processes 1;
            pid \(dir)/nginx.pid;
            error_log stderr warn;
            events { worker_connections 4096; }
            http {
                include /etc/nginx/mime.types;
                default_type application/octet-stream;
                \(input.accessLog ? "access_log /dev/stdout;" : "access_log off;")
                sendfile on;
                # Workers may run as another user than the master (nobody, under a root master): keep
                # request bodies and proxied responses in memory, so they never need the (private)
                # temp directories. The app itself refuses bodies over 64 KiB.
                client_max_body_size 1m;
                client_body_buffer_size 1m;
                proxy_max_temp_file_size 0;
                keepalive_timeout 30s;
                server_tokens off;
                client_body_temp_path \(dir)/tmp/body;
                proxy_temp_path \(dir)/tmp/proxy;
                fastcgi_temp_path \(dir)/tmp/fastcgi;
                uwsgi_temp_path \(dir)/tmp/uwsgi;
                scgi_temp_path \(dir)/tmp/scgi;
                upstream app {
            \(Render.indent(servers, level: 2))
                    keepalive 32;
                }
                server {
                    listen \(input.address):\(input.port);
                    root \(input.site);
                    add_header X-Roster-Web \(input.instance) always;
                    location = /nginx-health { access_log off; add_header X-Roster-Web \(input.instance) always; return 200 "ok\\n"; }
                    location = /nginx-config { access_log off; allow \(input.address); deny all; return 200 "\(input.generation)"; }
                    location /api/ {
                        proxy_pass http://app;
                        proxy_bind \(input.address);
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                        proxy_set_header Host $host;
                        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                        proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;
                        proxy_connect_timeout 1s;
                        proxy_read_timeout 15s;
                        proxy_next_upstream error timeout http_502;
                        proxy_next_upstream_tries 3;
                    }
                    location / { try_files $uri $uri/ /index.html; }
                }
            }

            """
    }

    /// True while the master in `pidFile` still has a worker from an earlier configuration
    /// (`nginx: worker process is shutting down`). Such a worker finishes the requests it had
    /// accepted, and may still send them to an app the new configuration dropped: a drain is
    /// complete only once it is gone.
    public static func oldWorkersRemain(pidFile: String) -> Bool {
        guard let text = Files.read(pidFile), let master = Int32(text.filter { $0.isNumber }) else {
            return false
        }
        return ProcessTable.allPIDs().contains { pid in
            ProcessTable.parent(of: pid) == master
                && (Files.read("/proc/\(pid)/cmdline")?.contains("shutting down") ?? false)
        }
    }
}

/// Renders the balancer's haproxy.cfg: HTTP → HTTPS redirect that keeps the HTTPS port, TLS 1.2+,
/// round robin over the ready web instances with active health checks, from its own address.
public enum HAProxyConfig {
    /// What the file depends on.
    public struct Input: Sendable, Equatable {
        public var instance: String
        public var address: String
        public var httpPort: Int
        public var httpsPort: Int
        public var statsPort: Int
        public var certificate: String
        /// (name, `address:port`) of every web instance that serves.
        public var webs: [(name: String, endpoint: String)]

        public init(instance: String, address: String, httpPort: Int, httpsPort: Int, statsPort: Int, certificate: String,
                    webs: [(name: String, endpoint: String)]) {
            self.instance = instance
            self.address = address
            self.httpPort = httpPort
            self.httpsPort = httpsPort
            self.statsPort = statsPort
            self.certificate = certificate
            self.webs = webs
        }

        public static func == (lhs: Input, rhs: Input) -> Bool {
            lhs.instance == rhs.instance && lhs.address == rhs.address && lhs.httpPort == rhs.httpPort
                && lhs.httpsPort == rhs.httpsPort && lhs.statsPort == rhs.statsPort && lhs.certificate == rhs.certificate
                && lhs.webs.map(\.endpoint) == rhs.webs.map(\.endpoint) && lhs.webs.map(\.name) == rhs.webs.map(\.name)
        }
    }

    /// The file's text.
    public static func render(_ input: Input) -> String {
        let servers = input.webs.isEmpty ? ["server none 127.0.0.1:9 disabled"]
            : input.webs.map { "server \($0.name.replacing("/", with: "-")) \($0.endpoint) check" }
        return Render.header("balancer \(input.instance)") + """
            global
                log stdout format raw local0 notice
                maxconn 4096
                ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets
                ssl-default-bind-ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256
                tune.ssl.default-dh-param 2048

            defaults
                mode http
                log global
                option dontlognull
                # One request per connection to nginx: after its reload, no old worker keeps
                # routing with the old upstreams over a reused connection. Clients keep alive.
                option http-server-close
                option redispatch
                retries 3
                timeout connect 2s
                timeout client 30s
                timeout server 30s
                timeout http-request 10s

            frontend http
                bind \(input.address):\(input.httpPort)
                http-request redirect location https://%[req.hdr(host),field(1,:)]:\(input.httpsPort)%[capture.req.uri] code 301

            frontend https
                bind \(input.address):\(input.httpsPort) ssl crt \(input.certificate) alpn h2,http/1.1
                http-request set-header X-Forwarded-Proto https
                http-response set-header X-Roster-Balancer \(input.instance)
                http-response set-header Strict-Transport-Security "max-age=31536000"
                default_backend web

            backend web
                balance roundrobin
                option httpchk GET /nginx-health
                http-check expect status 200
                default-server inter 500ms fastinter 200ms downinter 1s fall 2 rise 1
                source \(input.address)
            \(Render.indent(servers))

            listen stats
                bind \(input.address):\(input.statsPort)
                stats enable
                stats uri /stats
                stats refresh 5s

            """
    }
}
