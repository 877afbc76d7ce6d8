import FoundationEssentials

/// A decoded control-socket reply.
struct ControlReply: Decodable {
    var exit: Int32
    var message: String
    var data: StatusDocument?

    static func decode(_ line: String) throws -> ControlReply {
        try JSONDecoder().decode(ControlReply.self, from: Data(line.utf8))
    }
}

/// The `status --json` document.
struct StatusDocument: Codable {
    var stack: String
    var domain: String?
    var generation: UInt64
    var roles: [String: RoleStatus]

    struct RoleStatus: Codable {
        var instances: [InstanceStatus]
    }

    struct InstanceStatus: Codable {
        var id: String
        var role: String
        var index: Int
        var address: String
        var ports: [String: Int]
        var state: String
        var pid: Int32?
        var since: String
        var uptime: Double?
        var restarts: Int
        var status: String?
    }
}
