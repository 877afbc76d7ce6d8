/// The `after` relation between roles: ordering, cycle detection and stop order.
public struct DependencyGraph: Sendable {
    /// Role names in the order they were given (the stack file's order).
    public let roles: [String]
    /// For each role, the roles it starts after.
    public let after: [String: [String]]

    /// A graph over `roles`; edges to names outside `roles` are ignored.
    public init(roles: [String], after: [String: [String]]) {
        self.roles = roles
        let known = Set(roles)
        self.after = after.mapValues { $0.filter { known.contains($0) } }
    }

    /// One cycle, as its members in order with the first repeated at the end (`a → b → a`), or nil.
    public func cycle() -> [String]? {
        enum Mark { case visiting, done }
        var marks: [String: Mark] = [:]
        var path: [String] = []
        func visit(_ role: String) -> [String]? {
            if marks[role] == .done { return nil }
            if marks[role] == .visiting {
                let start = path.firstIndex(of: role)!
                return Array(path[start...]) + [role]
            }
            marks[role] = .visiting
            path.append(role)
            for dependency in after[role] ?? [] {
                if let found = visit(dependency) { return found }
            }
            path.removeLast()
            marks[role] = .done
            return nil
        }
        for role in roles {
            if let found = visit(role) { return found }
        }
        return nil
    }

    /// Roles in an order where every role comes after its dependencies, ties kept in stack order.
    /// Precondition: no cycle.
    public func startOrder() -> [String] {
        var placed = Set<String>()
        var order: [String] = []
        while order.count < roles.count {
            guard let next = roles.first(where: { role in
                !placed.contains(role) && (after[role] ?? []).allSatisfy { placed.contains($0) }
            }) else { break }
            placed.insert(next)
            order.append(next)
        }
        return order
    }

    /// The reverse of `startOrder()`: dependents stop before what they depend on.
    public func stopOrder() -> [String] { startOrder().reversed() }

    /// Roles that list `role` in their `after`.
    public func dependents(of role: String) -> [String] {
        roles.filter { (after[$0] ?? []).contains(role) }
    }
}
