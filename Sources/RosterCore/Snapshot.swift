/// What status and discovery show of one instance at one moment.
public struct InstanceSnapshot: Equatable, Sendable {
    /// `app/1`.
    public var id: String
    public var role: String
    public var index: Int
    public var phase: InstanceMachine.Phase
    public var pid: Int32?
    /// Wall-clock time of the last phase change, in seconds since 1970.
    public var since: Double
    /// Seconds since the process started, while it runs.
    public var uptime: Double?
    public var restarts: Int
    public var address: String
    public var ports: [RoleSpec.Port]
    /// Last `STATUS=` text or Roster's own explanation.
    public var status: String?

    /// Creates a snapshot.
    public init(id: String, role: String, index: Int, phase: InstanceMachine.Phase, pid: Int32?, since: Double,
                uptime: Double?, restarts: Int, address: String, ports: [RoleSpec.Port], status: String?) {
        self.id = id; self.role = role; self.index = index; self.phase = phase; self.pid = pid
        self.since = since; self.uptime = uptime; self.restarts = restarts; self.address = address
        self.ports = ports; self.status = status
    }
}

/// Renders the discovery file and the `status --json` document (DESIGN §2 shapes).
public enum Documents {
    /// `discovery.json`: `{"stack","domain","generation","roles":{ROLE:{"instances":[…]}}}`.
    public static func discovery(stack: String, domain: String?, generation: UInt64,
                                 roles: [(name: String, instances: [InstanceSnapshot])]) -> String {
        render(stack: stack, domain: domain, generation: generation, roles: roles, forStatus: false)
    }

    /// `roster status --json`: the discovery shape plus role, index, uptime, restarts and status text.
    public static func status(stack: String, domain: String?, generation: UInt64,
                              roles: [(name: String, instances: [InstanceSnapshot])]) -> String {
        render(stack: stack, domain: domain, generation: generation, roles: roles, forStatus: true)
    }

    private static func render(stack: String, domain: String?, generation: UInt64,
                               roles: [(name: String, instances: [InstanceSnapshot])], forStatus: Bool) -> String {
        assemble(stack: stack, domain: domain, generation: generation,
                 roles: roles.map { ($0.name, $0.instances.map { instanceJSON($0, forStatus: forStatus) }) })
    }

    /// A whole document from per-instance JSON objects already rendered by `instanceJSON` (the
    /// supervisor keeps them between writes and re-renders only instances that changed).
    public static func assemble(stack: String, domain: String?, generation: UInt64,
                                roles: [(name: String, instances: [String])]) -> String {
        var out = "{\"stack\":" + JSONText.string(stack)
        out.reserveCapacity(roles.reduce(256) { total, role in role.instances.reduce(total + 64) { $0 + $1.utf8.count + 2 } })
        out += ",\"domain\":" + (domain.map(JSONText.string) ?? "null")
        out += ",\"generation\":\(generation),\"roles\":{"
        for (roleNumber, role) in roles.enumerated() {
            if roleNumber > 0 { out += "," }
            out += JSONText.string(role.name) + ":{\"instances\":["
            for (number, instance) in role.instances.enumerated() {
                out += number > 0 ? ",\n" : "\n"
                out += instance
            }
            out += "]}"
        }
        return out + "}}\n"
    }

    /// One instance's object: discovery's fields, plus role, index, uptime, restarts and status for `status`.
    public static func instanceJSON(_ instance: InstanceSnapshot, forStatus: Bool) -> String {
        var out = "{\"id\":" + JSONText.string(instance.id)
        if forStatus { out += ",\"role\":" + JSONText.string(instance.role) + ",\"index\":\(instance.index)" }
        out += ",\"address\":" + JSONText.string(instance.address) + ",\"ports\":{"
        out += instance.ports.map { JSONText.string($0.name) + ":\($0.number)" }.joined(separator: ",")
        out += "},\"state\":\"" + instance.phase.rawValue + "\""
        out += ",\"pid\":" + (instance.pid.map { String($0) } ?? "null")
        out += ",\"since\":" + JSONText.string(rfc3339(instance.since))
        if forStatus {
            out += ",\"uptime\":" + (instance.uptime.map(JSONText.number) ?? "null")
            out += ",\"restarts\":\(instance.restarts)"
            out += ",\"status\":" + (instance.status.map(JSONText.string) ?? "null")
        }
        return out + "}"
    }

    /// RFC 3339 UTC with milliseconds, e.g. `2026-11-26T15:00:00.125Z`.
    public static func rfc3339(_ secondsSince1970: Double) -> String {
        let totalMs = Int64((secondsSince1970 * 1000).rounded(.down))
        let ms = Int(((totalMs % 1000) + 1000) % 1000)
        let seconds = (totalMs - Int64(ms)) / 1000
        var days = seconds / 86_400
        var rem = seconds % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(rem / 3600, 2)):\(pad(rem % 3600 / 60, 2)):\(pad(rem % 60, 2)).\(pad(Int64(ms), 3))Z"
    }
}
