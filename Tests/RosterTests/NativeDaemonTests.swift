import Foundation
import RosterSystem
import Testing

/// Daemons that speak the notify protocol themselves run under Roster unchanged.
@Suite(.serialized)
struct NativeDaemonTests {
    /// Fetches `url` with Python's stdlib (a real HTTP client, no extra tooling).
    static func httpGet(_ url: String, stack: StackHarness) throws -> String {
        let result = try stack.runTool("/usr/bin/env", ["python3", "-c",
            "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())", url])
        return result.out
    }

    /// `haproxy -Ws` sends READY=1 from its master process; Roster marks it ready and stops it cleanly.
    @Test func haproxyMasterWorkerSpeaksNotify() throws {
        let script = """
            #!/bin/bash
            cat > haproxy.cfg <<CFG
            global
                log stdout format raw local0 info
            defaults
                mode http
                timeout connect 2s
                timeout client 5s
                timeout server 5s
            frontend fe
                bind $ROSTER_ADDRESS:$ROSTER_PORT_HTTP
                http-request return status 200 content-type text/plain string "ok from $ROSTER_INSTANCE"
            CFG
            haproxy -c -q -f haproxy.cfg || exit 100
            exec haproxy -Ws -f haproxy.cfg
            """
        let stack = try StackHarness([.init(name: "lb", manifest: "ports: {http: 18480}\nstart-timeout: 10s", script: script)],
                                     roles: "  lb: {instances: 2}")
        try stack.up()
        try stack.waitFor("lb/0", "ready")
        try stack.waitFor("lb/1", "ready")
        #expect(try Self.httpGet("http://127.77.0.2:18480/", stack: stack).contains("ok from lb/1"))
        try stack.down()
        #expect(try stack.runTool("/usr/bin/env", ["python3", "-c", """
            import socket
            s = socket.socket(); s.settimeout(1)
            raise SystemExit(0 if s.connect_ex(("127.77.0.1", 18480)) != 0 else 1)
            """]).code == 0, "haproxy still listening after down")
    }

    /// mariadbd sends READY=1 and STATUS= itself, and STOPPING=1 with EXTEND_TIMEOUT_USEC on SIGTERM.
    @Test func mariadbdSpeaksNotify() throws {
        let script = """
            #!/bin/bash
            set -e
            cat > my.cnf <<CFG
            [client]
            socket=$PWD/mysqld.sock
            [mariadbd]
            user=$(id -un)
            datadir=$PWD/data
            socket=$PWD/mysqld.sock
            pid-file=$PWD/mysqld.pid
            port=$ROSTER_PORT_SQL
            bind-address=$ROSTER_ADDRESS
            skip-name-resolve
            skip-log-bin
            innodb-buffer-pool-size=16M
            innodb-log-file-size=8M
            performance-schema=0
            CFG
            if [ ! -d data/mysql ]; then
                mariadb-install-db --defaults-file=my.cnf --skip-test-db >install.log 2>&1 || { cat install.log; exit 100; }
            fi
            exec mariadbd --defaults-file=my.cnf
            """
        let stack = try StackHarness([.init(name: "db", manifest: "ports: {sql: 13406}\nstart-timeout: 60s", script: script)],
                                     roles: "  db: {}")
        try stack.up()
        try stack.waitFor("db/0", "ready", timeout: 60)
        let status = try stack.instance("db/0")["status"] as? String ?? ""
        #expect(!status.isEmpty, "mariadbd sent no STATUS=")
        let query = try stack.runTool("/usr/bin/env", ["mariadb", "--defaults-file=\(stack.stateDir)/instances/db/0/my.cnf",
                                                      "-uroot", "-N", "-e", "SELECT 40 + 2"])
        #expect(query.out.trimmingCharacters(in: .whitespacesAndNewlines) == "42", "\(query.err)")
        let stopped = try stack.cli("stop", "db/0")
        #expect(stopped.code == 0)
        #expect(try stack.state("db/0") == "down")
        #expect(!stack.supervisorLog.contains("db/0: pid"), "mariadbd did not exit cleanly on SIGTERM: \(stack.supervisorLog)")
        try stack.down()
    }
}
