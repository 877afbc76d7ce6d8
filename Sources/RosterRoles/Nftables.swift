import RosterKit

/// Renders the stack's nftables table: each tier reachable only from the tier in front of it.
/// One table of its own (`inet roster_<stack>`), replaced atomically in one `nft -f` transaction
/// (declare, delete, define), never touching other tables.
public enum NftablesRules {
    /// The roles, by what they are in the topology.
    public struct Tiers: Sendable, Equatable {
        public var balancer = "balancer"
        public var web = "web"
        public var app = "app"
        public var primary = "db-primary"
        public var replica = "db-replica"
        /// The address allowed to the balancer's stats port.
        public var admin = "127.0.0.1"

        public init() {}
    }

    /// The table's name for a stack.
    public static func table(_ stack: String) -> String { "roster_" + stack.replacing("-", with: "_") }

    /// The ruleset text and the number of rules in it.
    public static func render(stack: String, discovery: Discovery, tiers: Tiers) -> (text: String, rules: Int) {
        func addresses(_ role: String) -> [String] { discovery.roles[role]?.instances.map(\.address) ?? [] }
        func ports(_ role: String, _ names: [String]) -> [Int] {
            Array(Set(discovery.roles[role]?.instances.flatMap { instance in names.compactMap { instance.ports[$0] } } ?? [])).sorted()
        }
        func set(_ items: [String]) -> String { items.count == 1 ? items[0] : "{ " + items.joined(separator: ", ") + " }" }
        func portSet(_ items: [Int]) -> String { set(items.map(String.init)) }
        var rules: [String] = ["ct state established,related accept"]
        // Every instance may reach itself (its plugin's readiness and health probes leave from its address).
        let own = discovery.roles.values.flatMap { $0.instances.map(\.address) }.sorted()
        if !own.isEmpty { rules.append("ip saddr . ip daddr { " + own.map { "\($0) . \($0)" }.joined(separator: ", ") + " } accept") }
        func allow(to role: String, ports names: [String], from sources: [String]?) {
            let targets = addresses(role), numbers = ports(role, names)
            guard !targets.isEmpty, !numbers.isEmpty else { return }
            if let sources {
                guard !sources.isEmpty else { return }
                rules.append("ip daddr \(set(targets)) tcp dport \(portSet(numbers)) ip saddr \(set(sources)) accept")
            } else {
                rules.append("ip daddr \(set(targets)) tcp dport \(portSet(numbers)) accept")
            }
        }
        allow(to: tiers.balancer, ports: ["http", "https"], from: nil)
        allow(to: tiers.balancer, ports: ["stats"], from: [tiers.admin])
        allow(to: tiers.web, ports: ["http"], from: addresses(tiers.balancer))
        allow(to: tiers.app, ports: ["http"], from: addresses(tiers.web))
        allow(to: tiers.primary, ports: ["sql"], from: addresses(tiers.app) + addresses(tiers.replica))
        allow(to: tiers.replica, ports: ["sql"], from: addresses(tiers.app))
        // The replica's relay carries its own replication (mariadbd cannot bind a source address).
        for replica in discovery.roles[tiers.replica]?.instances ?? [] {
            if let relay = replica.ports["relay"] {
                rules.append("ip daddr \(replica.address) tcp dport \(relay) ip saddr { 127.0.0.1, \(replica.address) } accept")
            }
        }
        let everything = discovery.roles.values.flatMap { $0.instances.map(\.address) }.sorted()
        if !everything.isEmpty { rules.append("ip daddr \(set(everything)) tcp flags syn counter reject with tcp reset") }
        let name = table(stack)
        let text = Render.header("firewall-rules for stack \(stack)") + """
            table inet \(name)
            delete table inet \(name)
            table inet \(name) {
                chain input {
                    type filter hook input priority filter; policy accept;
            \(Render.indent(rules, level: 2))
                }
            }

            """
        return (text, rules.count)
    }
}
