import Testing
import RosterCore

/// The `after` relation: start order, stop order and cycles.
@Suite struct DependencyGraphTests {
    /// The DESIGN stack: balancer → web → app → db-primary, db-replica after db-primary.
    let stack = DependencyGraph(
        roles: ["firewall-rules", "balancer", "web", "app", "db-replica", "db-primary"],
        after: ["balancer": ["web"], "web": ["app"], "app": ["db-primary", "db-replica"], "db-replica": ["db-primary"]])

    @Test("Every role starts after the roles it names in after")
    func startOrderRespectsAfter() {
        let order = stack.startOrder()
        #expect(order == ["firewall-rules", "db-primary", "db-replica", "app", "web", "balancer"])
        for (role, dependencies) in stack.after {
            for dependency in dependencies {
                #expect(order.firstIndex(of: dependency)! < order.firstIndex(of: role)!)
            }
        }
    }

    @Test("Roles with no ordering between them keep the stack file's order")
    func tiesKeepStackOrder() {
        let graph = DependencyGraph(roles: ["c", "a", "b"], after: [:])
        #expect(graph.startOrder() == ["c", "a", "b"])
    }

    @Test("Stop order is the reverse of start order: dependents stop first")
    func stopOrderIsReversed() {
        #expect(stack.stopOrder() == ["balancer", "web", "app", "db-replica", "db-primary", "firewall-rules"])
    }

    @Test("An acyclic graph has no cycle")
    func noCycle() {
        #expect(stack.cycle() == nil)
    }

    @Test("A two-role cycle is named in order with the first role repeated at the end")
    func twoRoleCycle() {
        let graph = DependencyGraph(roles: ["a", "b"], after: ["a": ["b"], "b": ["a"]])
        #expect(graph.cycle() == ["a", "b", "a"])
    }

    @Test("A longer cycle is named in the order its after edges run")
    func threeRoleCycle() {
        let graph = DependencyGraph(roles: ["a", "b", "c"], after: ["a": ["b"], "b": ["c"], "c": ["a"]])
        #expect(graph.cycle() == ["a", "b", "c", "a"])
    }

    @Test("A cycle reached through a role outside it names only the cycle's members")
    func cycleBehindAnotherRole() {
        let graph = DependencyGraph(roles: ["x", "a", "b"], after: ["x": ["a"], "a": ["b"], "b": ["a"]])
        #expect(graph.cycle() == ["a", "b", "a"])
    }

    @Test("A role that names itself in after is a cycle of one")
    func selfCycle() {
        let graph = DependencyGraph(roles: ["a"], after: ["a": ["a"]])
        #expect(graph.cycle() == ["a", "a"])
    }

    @Test("A diamond is not a cycle")
    func diamondIsNotACycle() {
        let graph = DependencyGraph(roles: ["top", "left", "right", "bottom"],
                                    after: ["top": ["left", "right"], "left": ["bottom"], "right": ["bottom"]])
        #expect(graph.cycle() == nil)
        #expect(graph.startOrder() == ["bottom", "left", "right", "top"])
    }

    @Test("Edges to roles outside the graph are ignored")
    func unknownEdgesAreIgnored() {
        let graph = DependencyGraph(roles: ["app"], after: ["app": ["db"]])
        #expect(graph.after["app"] == [])
        #expect(graph.startOrder() == ["app"])
        #expect(graph.cycle() == nil)
    }

    @Test("The dependents of a role are those naming it in after, in stack order")
    func dependents() {
        #expect(stack.dependents(of: "db-primary") == ["app", "db-replica"])
        #expect(stack.dependents(of: "balancer") == [])
    }
}
