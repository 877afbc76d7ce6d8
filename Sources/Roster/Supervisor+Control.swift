import RosterCore
import RosterSystem
import Glibc

/// A control client waiting for instances to reach a state.
struct Waiter {
    enum Goal {
        /// Ready (or failed) for every slot.
        case up([Int])
        /// No processes left for every slot.
        case down([Int])
        /// Restart `queue` one at a time, each ready (and back in its front tier) before the next.
        case rolling(current: Int, queue: [Int], step: Step)
        /// Take `slots` out of the front tier, stop them, then remove them (`scale` down).
        case shrink(slots: [Int], step: Step)
    }

    /// Where one instance is in a drain-and-restart (or drain-and-remove).
    enum Step {
        /// Shown `draining`; waiting for the roles that watch it to reload without it.
        case draining
        /// Restarting (or stopping); waiting for it to be ready (or gone).
        case restarting
        /// Ready again; waiting for the watchers to reload with it.
        case readding
    }

    let connection: ControlConnection
    var goal: Goal
}

extension Supervisor {
    func acceptConnections(now: Instant) {
        while let connection = listener?.accept() {
            let id = nextConnection
            nextConnection += 1
            do {
                try loop.add(connection.fd, token: token(.connection, Int(id)))
                connections[id] = connection
            } catch {
                output.say("control: \(error)")
            }
        }
    }

    func readConnection(_ id: UInt64, now: Instant) {
        guard let connection = connections[id] else { return }
        var closed = false
        let line = connection.readLine(closed: &closed)
        if closed || line != nil {
            loop.remove(connection.fd)
            connections[id] = nil
        }
        guard let line else { return }
        handle(command: line, from: connection, now: now)
    }

    /// Commands: `status`, `start|stop|restart TARGET`, `down`.
    func handle(command line: String, from connection: ControlConnection, now: Instant) {
        let words = line.split(separator: " ").map(String.init)
        guard let verb = words.first else {
            connection.reply(Reply.make(exit: 2, message: "empty command"))
            return
        }
        switch verb {
        case "status":
            connection.reply(Reply.make(exit: 0, message: "", extra: statusDocument()))
        case "down":
            if !shuttingDown { output.say("`roster down` received: stopping the stack") }
            shutdownWaiters.append(connection)
            beginShutdown(now: now)
        case "start", "stop", "restart":
            guard words.count == 2 else {
                connection.reply(Reply.make(exit: 2, message: "usage: \(verb) ROLE[/N]"))
                return
            }
            guard !shuttingDown else {
                connection.reply(Reply.make(exit: 1, message: "the stack is stopping"))
                return
            }
            switch targets(words[1]) {
            case .failure(let error):
                connection.reply(Reply.make(exit: 2, message: error.message))
            case .success(let slots):
                command(verb, slots: slots, connection: connection, now: now)
            }
        case "scale":
            guard words.count == 2, let eq = words[1].firstIndex(of: "="), let count = Int(words[1][words[1].index(after: eq)...]),
                  count >= 0, count <= AddressPlan.maxInstances else {
                connection.reply(Reply.make(exit: 2, message: "usage: scale ROLE=N (N from 0 to \(AddressPlan.maxInstances))"))
                return
            }
            let name = String(words[1][..<eq])
            guard let role = stack.role(name) else {
                connection.reply(Reply.make(exit: 2, message: "unknown role \"\(name)\" (roles: \(stack.roles.map(\.name).joined(separator: ", ")))"))
                return
            }
            guard !shuttingDown else {
                connection.reply(Reply.make(exit: 1, message: "the stack is stopping"))
                return
            }
            scale(role, to: count, connection: connection, now: now)
        default:
            connection.reply(Reply.make(exit: 2, message: "unknown command \"\(verb)\""))
        }
        changed = true
    }

    /// Adds instances (started once their `after` roles are ready) or drains, stops and removes the
    /// highest-numbered ones. Live only: the stack file still says what `up` starts with.
    func scale(_ role: RoleSpec, to count: Int, connection: ControlConnection, now: Instant) {
        let members = byRole[role.name] ?? []
        if count == members.count {
            connection.reply(Reply.ok("\(role.name) already has \(count) instance(s)"))
            return
        }
        if count > members.count {
            var added: [Int] = []
            for index in members.count..<count {
                do {
                    let instance = try Instance(role: role, index: index, slot: instances.count, stack: stack,
                                                account: accounts.byRole[role.name], runID: runID, now: now)
                    try loop.add(instance.notify.fd, token: token(.notify, instance.slot))
                    try loop.add(instance.outputRead, token: token(.output, instance.slot))
                    instances.append(instance)
                    byRole[role.name, default: []].append(instance)
                    instance.machine.hold(reason: "added by scale", now: now)
                    instance.publishedPhase = instance.phase
                    added.append(instance.slot)
                } catch {
                    connection.reply(Reply.make(exit: 1, message: "scale \(role.name): \(error)"))
                    return
                }
            }
            output.say("scaling \(role.name) to \(count): adding \(added.map { instances[$0].id }.joined(separator: ", "))")
            startWhatMayStart(now: now)
            waiters.append(Waiter(connection: connection, goal: .up(added)))
            return
        }
        let victims = Array(members[count...]).map(\.slot)
        output.say("scaling \(role.name) to \(count): removing \(victims.map { instances[$0].id }.joined(separator: ", "))")
        if watchers(of: role.name).isEmpty {
            for slot in victims { apply(instances[slot].machine.stop(now: now), to: instances[slot], now: now) }
            waiters.append(Waiter(connection: connection, goal: .shrink(slots: victims, step: .restarting)))
        } else {
            for slot in victims { instances[slot].draining = true }
            waiters.append(Waiter(connection: connection, goal: .shrink(slots: victims, step: .draining)))
        }
    }

    /// Forgets removed instances: their descriptors close, they leave status and discovery.
    func remove(_ slots: [Int]) {
        for slot in slots {
            let instance = instances[slot]
            loop.remove(instance.notify.fd)
            loop.remove(instance.outputRead)
            byRole[instance.role.name]?.removeAll { $0 === instance }
            instance.release()
        }
        changed = true
    }

    private func command(_ verb: String, slots: [Int], connection: ControlConnection, now: Instant) {
        switch verb {
        case "start":
            for slot in slots {
                instances[slot].machine.hold(reason: "starting", now: now)
            }
            startWhatMayStart(now: now)
            for slot in slots where !instances[slot].machine.isHeld {
                apply(instances[slot].machine.start(now: now, reset: true), to: instances[slot], now: now)
            }
            waiters.append(Waiter(connection: connection, goal: .up(slots)))
        case "stop":
            for slot in slots { apply(instances[slot].machine.stop(now: now), to: instances[slot], now: now) }
            waiters.append(Waiter(connection: connection, goal: .down(slots)))
        default:
            let first = slots[0]
            output.say("restarting \(slots.map { instances[$0].id }.joined(separator: ", "))\(slots.count > 1 ? " one at a time" : "")")
            let step = beginRoll(instances[first], now: now)
            waiters.append(Waiter(connection: connection, goal: .rolling(current: first, queue: Array(slots.dropFirst()), step: step)))
            // Checked after the drain is published and the watchers are signalled (afterEvents).
            return
        }
        serviceWaiters(now: now)
    }

    /// Drains `instance` from its front tier when some role watches it and it serves; otherwise restarts it at once.
    func beginRoll(_ instance: Instance, now: Instant) -> Waiter.Step {
        if !watchers(of: instance.role.name).isEmpty, instance.machine.phase.isReady {
            instance.draining = true
            changed = true
            return .draining
        }
        apply(instance.machine.restart(now: now), to: instance, now: now)
        return .restarting
    }

    /// Instances of the roles that watch `role`.
    func watchers(of role: String) -> [Instance] {
        stack.roles.filter { $0.watches.contains(role) }.flatMap { byRole[$0.name] ?? [] }
    }

    /// True once every running watcher of `role` has answered its reload (none is reloading or starting).
    func watchersSettled(_ role: String) -> Bool {
        watchers(of: role).allSatisfy { watcher in
            !watcher.machine.hasProcesses || watcher.machine.phase == .ready || watcher.machine.phase == .failed
        }
    }

    /// `app` → every instance of app; `app/1` → that one.
    func targets(_ text: String) -> Result<[Int], TargetError> {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard let members = byRole[parts[0]] ?? (stack.role(parts[0]) != nil ? [] : nil) else {
            return .failure(TargetError("unknown role \"\(parts[0])\" (roles: \(stack.roles.map(\.name).joined(separator: ", ")))"))
        }
        if parts.count == 1 {
            guard !members.isEmpty else { return .failure(TargetError("role \"\(parts[0])\" has no instances")) }
            return .success(members.map(\.slot))
        }
        guard parts.count == 2, let index = Int(parts[1]), index >= 0, index < members.count else {
            return .failure(TargetError("unknown instance \"\(text)\" (\(parts[0]) has instances 0…\(members.count - 1))"))
        }
        return .success([members[index].slot])
    }

    /// Answers every waiter whose goal has been reached (or can no longer be).
    func serviceWaiters(now: Instant) {
        var remaining: [Waiter] = []
        for var waiter in waiters {
            if let reply = progress(&waiter, now: now) {
                flushDiscovery()
                waiter.connection.reply(reply)
            } else {
                remaining.append(waiter)
            }
        }
        waiters = remaining
    }

    private func progress(_ waiter: inout Waiter, now: Instant) -> String? {
        switch waiter.goal {
        case .up(let slots):
            if let problem = slots.lazy.compactMap({ self.upProblem(self.instances[$0]) }).first {
                return Reply.make(exit: 1, message: problem)
            }
            guard slots.allSatisfy({ instances[$0].machine.phase.isReady }) else { return nil }
            return Reply.ok(slots.map { "\(instances[$0].id) ready" }.joined(separator: ", "))
        case .down(let slots):
            guard slots.allSatisfy({ !instances[$0].machine.hasProcesses && !instances[$0].machine.isBusy }) else { return nil }
            return Reply.ok(slots.map { "\(instances[$0].id) \(instances[$0].machine.phase.rawValue)" }.joined(separator: ", "))
        case .rolling(let current, let queue, let step):
            let instance = instances[current]
            switch step {
            case .draining:
                guard watchersSettled(instance.role.name) else { return nil }
                instance.draining = false
                apply(instance.machine.restart(now: now), to: instance, now: now)
                waiter.goal = .rolling(current: current, queue: queue, step: .restarting)
                return progress(&waiter, now: now)
            case .restarting:
                if let problem = upProblem(instance) { return Reply.make(exit: 1, message: problem) }
                guard instance.machine.phase.isReady else { return nil }
                // Ready again: the watchers are being told (this runs after notifyWatchers).
                waiter.goal = .rolling(current: current, queue: queue, step: .readding)
                return progress(&waiter, now: now)
            case .readding:
                guard watchersSettled(instance.role.name) else { return nil }
                guard let next = queue.first else { return Reply.ok("restarted; all ready") }
                let step = beginRoll(instances[next], now: now)
                waiter.goal = .rolling(current: next, queue: Array(queue.dropFirst()), step: step)
                // A new drain must be published and signalled before its watchers can be checked.
                return step == .draining ? nil : progress(&waiter, now: now)
            }
        case .shrink(let slots, let step):
            switch step {
            case .draining:
                guard slots.allSatisfy({ instances[$0].phase != .ready && instances[$0].phase != .reloading }),
                      watchersSettled(instances[slots[0]].role.name) else { return nil }
                for slot in slots {
                    instances[slot].draining = false
                    apply(instances[slot].machine.stop(now: now), to: instances[slot], now: now)
                }
                waiter.goal = .shrink(slots: slots, step: .restarting)
                return progress(&waiter, now: now)
            case .restarting, .readding:
                guard slots.allSatisfy({ !instances[$0].machine.hasProcesses }) else { return nil }
                remove(slots)
                return Reply.ok("removed \(slots.map { instances[$0].id }.joined(separator: ", "))")
            }
        }
    }

    /// Why an instance that should come up will not, if it will not.
    private func upProblem(_ instance: Instance) -> String? {
        switch instance.machine.phase {
        case .failed: return "\(instance.id) failed: \(instance.machine.statusText ?? "")"
        case .down where instance.machine.want == .down || !instance.machine.hasProcesses && !instance.machine.isBusy:
            return "\(instance.id) is down: \(instance.machine.statusText ?? "stopped")"
        case .waiting where instance.machine.isHeld && (instance.machine.statusText ?? "").contains("failed)"):
            return "\(instance.id) cannot start: \(instance.machine.statusText ?? "")"
        default: return nil
        }
    }

    func statusDocument() -> String {
        let wall = Clocks.wall()
        let roles = stack.roles.map { role in (name: role.name, instances: (byRole[role.name] ?? []).map { $0.snapshot(now: wall) }) }
        return Documents.status(stack: stack.name, domain: stack.domain, generation: generation, roles: roles)
    }
}

/// A `ROLE[/N]` that names nothing.
struct TargetError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
