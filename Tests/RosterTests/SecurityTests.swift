import Foundation
import RosterSystem
import Testing

/// The firewall-rules role, for real, inside a network namespace Roster creates and removes:
/// each tier reachable only from the tier in front of it; the host's rules are never touched.
@Suite(.serialized)
struct SecurityTests {
    /// Connects from `source` (nil: the default 127.0.0.1) to `address:port` inside the namespace;
    /// returns connect()'s result (0 = accepted).
    static func connect(_ stack: StackHarness, from source: String?, to address: String, _ port: Int) throws -> Int {
        let script = """
            import socket, sys
            s = socket.socket(); s.settimeout(2)
            if sys.argv[1]: s.bind((sys.argv[1], 0))
            print(s.connect_ex((sys.argv[2], int(sys.argv[3]))))
            """
        let run = try stack.runTool("/usr/sbin/ip", ["netns", "exec", stack.netns!, "python3", "-c", script,
                                                    source ?? "", address, String(port)])
        return Int(run.out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// Every role but firewall-rules runs as the user roster, the daemons its plugins start included.
    static func expectLeastPrivilege(_ stack: StackHarness) throws {
        let roster = try #require(Account.lookup("roster"))
        for (id, daemon) in [("db-primary/0", "mariadbd"), ("db-replica/0", "mariadbd"), ("app/0", "roster-app"),
                             ("web/0", "nginx"), ("balancer/0", "haproxy"), ("firewall-rules/0", "roster-firewall")] {
            let group = try #require(try stack.pid(id))
            let members = ProcessTable.allPIDs().filter { ProcessTable.processGroup(of: $0) == group }
            let names = members.compactMap { Files.read("/proc/\($0)/comm")?.trimmingCharacters(in: .whitespacesAndNewlines) }
            #expect(names.contains(daemon), "\(id): \(names)")
            let expected = id.hasPrefix("firewall-rules") ? 0 : roster.uid
            for member in members {
                let uid = Files.read("/proc/\(member)/status")?.split(separator: "\n")
                    .first { $0.hasPrefix("Uid:") }?.split(separator: "\t").dropFirst().first.flatMap { uid_t($0) }
                #expect(uid == expected, "\(id): pid \(member) runs as uid \(uid.map(String.init) ?? "?")")
            }
        }
        let secrets = try #require(Files.owner(of: stack.stateDir + "/secrets"))
        #expect(secrets.uid == roster.uid && secrets.mode == 0o700)
        for name in Files.list(stack.stateDir + "/secrets") {
            let secret = try #require(Files.owner(of: stack.stateDir + "/secrets/" + name))
            #expect(secret.uid == roster.uid && secret.mode == 0o600, "secret \(name)")
        }
        let key = try #require(Files.owner(of: stack.stateDir + "/instances/balancer/0"))
        #expect(key.uid == roster.uid && key.mode == 0o700, "the balancer's directory, with its TLS key, is its own")
    }

    static func tables(_ stack: StackHarness) throws -> String {
        try stack.runTool("/usr/sbin/ip", ["netns", "exec", stack.netns!, "nft", "list", "tables"]).out
    }

    @Test func eachTierIsReachableOnlyFromTheTierInFrontOfIt() throws {
        let netns = "roster-test-\(getpid())"
        let before = try StackHarness([], roles: "  {}").runTool("/usr/sbin/nft", ["list", "ruleset"]).out
        let stack = try StackHarness([], roles: """
              db-primary: {}
              db-replica: {}
              app: {instances: 2}
              web: {instances: 2, options: {site: \(ServingTests.repository)/etc/site}}
              balancer: {}
              firewall-rules: {}
            """)
        try stack.up(netns: netns)
        try stack.waitFor("balancer/0", "ready", timeout: 90)
        try stack.waitFor("db-replica/0", "ready", timeout: 60)
        try stack.waitFor("firewall-rules/0", "ready")
        #expect((try stack.instance("firewall-rules/0")["status"] as? String ?? "").contains("rules"))
        if StackHarness.checkoutUser == nil { try Self.expectLeastPrivilege(stack) }

        // Through the balancer, everything works.
        let health = try stack.runTool("/usr/sbin/ip", ["netns", "exec", netns, "curl", "-sS", "--cacert",
                                                       ServingTests.ca(stack), ServingTests.base + "/api/healthz"])
        #expect(health.out.contains("\"status\":\"ok\""), "\(health.err)")
        // From outside the stack, no app, web or database port answers.
        for (address, port) in [("127.79.0.1", 8000), ("127.80.0.1", 8080), ("127.77.0.1", 13306), ("127.78.0.1", 13306)] {
            #expect(try Self.connect(stack, from: "127.99.0.1", to: address, port) != 0, "\(address):\(port) reachable from outside")
        }
        #expect(try Self.connect(stack, from: "127.80.0.1", to: "127.77.0.1", 13306) != 0, "web reached the database")
        #expect(try Self.connect(stack, from: "127.79.0.1", to: "127.77.0.1", 13306) == 0, "app cannot reach the database")
        #expect(try Self.connect(stack, from: "127.81.0.1", to: "127.80.0.1", 8080) == 0, "balancer cannot reach web")
        #expect(try Self.connect(stack, from: "127.80.0.2", to: "127.79.0.1", 8000) == 0, "web cannot reach app")

        // The rules follow a scale.
        #expect(try stack.cli("scale", "web=3").code == 0)
        try stack.waitUntil("the rules include web/2") {
            try stack.runTool("/usr/sbin/ip", ["netns", "exec", netns, "nft", "list", "table", "inet", "roster_t"]).out.contains("127.80.0.3")
        }
        #expect(try Self.connect(stack, from: "127.80.0.3", to: "127.79.0.1", 8000) == 0)

        // Stopping the role removes exactly its table; the host's ruleset never changed.
        #expect(try Self.tables(stack).contains("roster_t"))
        #expect(try stack.cli("stop", "firewall-rules").code == 0)
        #expect(!(try Self.tables(stack).contains("roster_t")))
        #expect(try stack.runTool("/usr/sbin/nft", ["list", "ruleset"]).out == before)
        try stack.down()
        #expect(!Files.exists("/run/netns/\(netns)"), "the namespace was not removed")
    }

    /// Without CAP_NET_ADMIN (here: made to run as roster), firewall-rules fails for good with a
    /// message saying what it needs, and the rest of the stack runs.
    @Test(.enabled(if: StackHarness.checkoutUser == nil, "the user roster cannot reach this checkout"))
    func firewallWithoutPrivilegeFailsAloneAndSaysWhy() throws {
        let stack = try StackHarness([.init(name: "svc", script: Scripts.bashReady)],
                                     roles: "  svc: {}\n  firewall-rules: {user: roster}", user: nil)
        try stack.up(netns: "roster-test-\(getpid())")
        try stack.waitFor("firewall-rules/0", "failed")
        try stack.waitFor("svc/0", "ready")
        #expect(stack.log("firewall-rules/0").contains("nft needs CAP_NET_ADMIN"), "\(stack.log("firewall-rules/0"))")
        #expect(stack.supervisorLog.contains("firewall-rules/0: failed — exited with status 100"), "\(stack.supervisorLog)")
        #expect((try stack.instance("firewall-rules/0")["status"] as? String ?? "").contains("nft needs CAP_NET_ADMIN"),
                "status says why")
        try stack.down()
    }
}
