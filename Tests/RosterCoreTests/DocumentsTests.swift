import Foundation
import Testing
@testable import RosterCore

/// The discovery file and `status --json`: their JSON shape (DESIGN §2) and RFC 3339 times.
@Suite struct DocumentsTests {
    /// The discovery shape as a plugin in any language would decode it.
    struct Discovery: Decodable {
        var stack: String
        var domain: String?
        var generation: UInt64
        var roles: [String: Role]
        struct Role: Decodable { var instances: [Instance] }
        struct Instance: Decodable {
            var id: String
            var address: String
            var ports: [String: Int]
            var state: String
            var pid: Int32?
            var since: String
        }
    }

    /// 2026-11-26T15:00:00Z, the DESIGN example's time.
    static let designTime = 1_795_705_200.0

    private func snapshot(_ id: String, phase: InstanceMachine.Phase = .ready, pid: Int32? = 4242,
                          status: String? = "serving") -> InstanceSnapshot {
        let parts = id.split(separator: "/")
        let index = Int(parts[1])!
        return InstanceSnapshot(
            id: id, role: String(parts[0]), index: index, phase: phase, pid: pid, since: Self.designTime,
            uptime: pid == nil ? nil : 12.5, restarts: 0, address: AddressPlan.address(roleIndex: 2, instance: index),
            ports: [RoleSpec.Port(name: "http", number: 8000)], status: status)
    }

    private var roles: [(name: String, instances: [InstanceSnapshot])] {
        [("app", [snapshot("app/0"), snapshot("app/1", phase: .starting, pid: nil, status: nil)]),
         ("db", [snapshot("db/0")])]
    }

    private func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("discovery.json decodes with JSONDecoder into the documented shape")
    func discoveryDecodes() throws {
        let text = Documents.discovery(stack: "foobar", domain: "foobar.com", generation: 42, roles: roles)
        let discovery = try JSONDecoder().decode(Discovery.self, from: Data(text.utf8))
        #expect(discovery.stack == "foobar")
        #expect(discovery.domain == "foobar.com")
        #expect(discovery.generation == 42)
        #expect(Set(discovery.roles.keys) == ["app", "db"])
        let app = try #require(discovery.roles["app"]).instances
        #expect(app.map(\.id) == ["app/0", "app/1"])
        #expect(app[0].address == "127.79.0.1")
        #expect(app[1].address == "127.79.0.2")
        #expect(app[0].ports == ["http": 8000])
        #expect(app[0].state == "ready")
        #expect(app[1].state == "starting")
        #expect(app[0].pid == 4242)
        #expect(app[1].pid == nil)
        #expect(app[0].since == "2026-11-26T15:00:00.000Z")
    }

    @Test("discovery.json has exactly the documented keys, at the top and per instance")
    func discoveryKeys() throws {
        let top = try object(Documents.discovery(stack: "foobar", domain: "foobar.com", generation: 1, roles: roles))
        #expect(Set(top.keys) == ["stack", "domain", "generation", "roles"])
        let app = try #require((top["roles"] as? [String: Any])?["app"] as? [String: Any])
        #expect(Set(app.keys) == ["instances"])
        let instance = try #require((app["instances"] as? [[String: Any]])?.first)
        #expect(Set(instance.keys) == ["id", "address", "ports", "state", "pid", "since"])
    }

    @Test("A stack without a domain has domain null")
    func noDomainIsNull() throws {
        let top = try object(Documents.discovery(stack: "s", domain: nil, generation: 1, roles: []))
        #expect(top["domain"] is NSNull)
        #expect((top["roles"] as? [String: Any])?.isEmpty == true)
    }

    @Test("An instance without a process has pid null")
    func noPIDIsNull() throws {
        let top = try object(Documents.discovery(stack: "s", domain: nil, generation: 1,
                                                 roles: [("app", [snapshot("app/0", phase: .down, pid: nil)])]))
        let instance = try #require(((top["roles"] as? [String: Any])?["app"] as? [String: Any])?["instances"] as? [[String: Any]])
        #expect(instance.first?["pid"] is NSNull)
        #expect(instance.first?["state"] as? String == "down")
    }

    @Test("status --json adds role, index, uptime, restarts and status text to each instance")
    func statusAddsFields() throws {
        let top = try object(Documents.status(stack: "foobar", domain: nil, generation: 42, roles: roles))
        #expect(top["generation"] as? Int == 42)
        let instances = try #require(((top["roles"] as? [String: Any])?["app"] as? [String: Any])?["instances"] as? [[String: Any]])
        let first = instances[0]
        #expect(Set(first.keys) == ["id", "role", "index", "address", "ports", "state", "pid", "since", "uptime", "restarts", "status"])
        #expect(first["role"] as? String == "app")
        #expect(first["index"] as? Int == 0)
        #expect(first["uptime"] as? Double == 12.5)
        #expect(first["restarts"] as? Int == 0)
        #expect(first["status"] as? String == "serving")
        #expect(instances[1]["uptime"] is NSNull)
        #expect(instances[1]["status"] is NSNull)
    }

    @Test("Status text with quotes, backslashes, newlines and control characters survives the round trip")
    func escaping() throws {
        let awkward = "say \"hi\"\\ \n\t\r\u{1} ünïcødé ✓"
        let top = try object(Documents.status(stack: "s", domain: nil, generation: 1,
                                              roles: [("app", [snapshot("app/0", status: awkward)])]))
        let instance = try #require(((top["roles"] as? [String: Any])?["app"] as? [String: Any])?["instances"] as? [[String: Any]])
        #expect(instance.first?["status"] as? String == awkward)
    }

    @Test("JSON numbers are integral without a fraction, fractional otherwise, and null when not finite")
    func numbers() {
        #expect(JSONText.number(3) == "3")
        #expect(JSONText.number(12.5) == "12.5")
        #expect(JSONText.number(-2) == "-2")
        #expect(JSONText.number(.infinity) == "null")
        #expect(JSONText.number(.nan) == "null")
    }

    @Test("RFC 3339 renders known instants in UTC with milliseconds", arguments: [
        (0.0, "1970-01-01T00:00:00.000Z"),
        (1_000_000_000, "2001-09-09T01:46:40.000Z"),
        (951_782_400, "2000-02-29T00:00:00.000Z"),
        (1_795_705_200, "2026-11-26T15:00:00.000Z"),
        (1_795_705_200.125, "2026-11-26T15:00:00.125Z"),
        (4_102_444_799.5, "2099-12-31T23:59:59.500Z"),
        (-86_400, "1969-12-31T00:00:00.000Z"),
        (-0.5, "1969-12-31T23:59:59.500Z"),
    ])
    func rfc3339(seconds: Double, expected: String) {
        #expect(Documents.rfc3339(seconds) == expected)
    }

    @Test("RFC 3339 agrees with Foundation's ISO 8601 formatter over a century of days")
    func rfc3339MatchesFoundation() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        for day in stride(from: -3_650, to: 36_500, by: 97) {
            let seconds = Double(day) * 86_400 + 45_296.25
            #expect(Documents.rfc3339(seconds) == formatter.string(from: Date(timeIntervalSince1970: seconds)))
        }
    }
}
