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
        /// Restart `queue` one at a time, each ready before the next.
        case rolling(current: Int, queue: [Int])
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
        default:
            connection.reply(Reply.make(exit: 2, message: "unknown command \"\(verb)\""))
        }
        changed = true
    }

    private func command(_ verb: String, slots: [Int], connection: ControlConnection, now: Instant) {
        switch verb {
        case "start":
            for slot in slots {
                let instance = instances[slot]
                instance.machine.hold(reason: "starting", now: now)
                if instance.machine.phase == .failed || instance.machine.phase == .down {
                    instance.machine.hold(reason: "starting", now: now)
                }
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
            apply(instances[first].machine.restart(now: now), to: instances[first], now: now)
            waiters.append(Waiter(connection: connection, goal: .rolling(current: first, queue: Array(slots.dropFirst()))))
        }
        serviceWaiters(now: now)
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
        case .rolling(let current, let queue):
            let instance = instances[current]
            if let problem = upProblem(instance) { return Reply.make(exit: 1, message: problem) }
            guard instance.machine.phase.isReady else { return nil }
            guard let next = queue.first else { return Reply.ok("restarted; all ready") }
            apply(instances[next].machine.restart(now: now), to: instances[next], now: now)
            waiter.goal = .rolling(current: next, queue: Array(queue.dropFirst()))
            return progress(&waiter, now: now)
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
