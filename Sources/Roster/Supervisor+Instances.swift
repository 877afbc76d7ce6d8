import RosterCore
import RosterSystem
import Glibc

extension Supervisor {
    /// Reads every pending notify datagram of `instance`, authenticates it and feeds the machine.
    func handleNotify(_ instance: Instance, now: Instant) {
        // One at a time: a message is authenticated before the barrier after it is received.
        while let received = instance.notify.receive() {
            switch received {
            case .dropped(let reason):
                output.say("\(instance.id): notify message dropped: \(reason)")
            case .message(let bytes, let pid, _):
                var message: NotifyMessage
                do {
                    message = try NotifyMessage.parse(bytes)
                } catch {
                    output.say("\(instance.id): notify message from pid \(pid) dropped: \(error)")
                    continue
                }
                // A bare BARRIER=1 carries no state; its fd was closed on receipt, which already
                // released the sender (so it may be gone by now and cannot be authenticated).
                if message.isBarrierOnly { continue }
                guard authorized(pid, for: instance) else {
                    output.say("\(instance.id): notify message from pid \(pid) ignored (not \(instance.role.notifyAccess == .main ? "the main process" : "in the instance's process group"); notify-access=\(instance.role.notifyAccess.rawValue))")
                    continue
                }
                if let named = message.mainPID, named != instance.machine.mainPID, ProcessTable.parent(of: named) != getpid() {
                    // Roster can only wait for its own children (and orphans re-parented to it); a
                    // daemon under a plugin naming itself (haproxy -Ws does) stays the plugin's business.
                    message.mainPID = nil
                }
                apply(instance.machine.notified(message, now: now), to: instance, now: now)
            }
        }
    }

    /// `notify-access`: `main` accepts only the main pid; `all` any process of the instance's group.
    func authorized(_ pid: Int32, for instance: Instance) -> Bool {
        guard instance.machine.hasProcesses else { return false }
        if let main = instance.machine.mainPID, main == pid { return true }
        guard instance.role.notifyAccess == .all, let group = instance.processGroup else { return false }
        return ProcessTable.processGroup(of: pid) == group
    }

    /// Moves whatever the instance printed into its log (and the terminal in the foreground), line by line.
    func drainOutput(_ instance: Instance) {
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = read(instance.outputRead, &chunk, chunk.count)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            var start = 0
            for index in 0..<n where chunk[index] == 10 {
                if instance.partialLine.isEmpty {
                    output.instanceLine(chunk[start..<index], instance: instance)
                } else {
                    instance.partialLine += chunk[start..<index]
                    output.instanceLine(instance.partialLine[...], instance: instance)
                    instance.partialLine.removeAll(keepingCapacity: true)
                }
                start = index + 1
            }
            instance.partialLine += chunk[start..<n]
            if instance.partialLine.count > 8192 {
                output.instanceLine(instance.partialLine[...], instance: instance)
                instance.partialLine.removeAll(keepingCapacity: true)
            }
            if n < chunk.count { break }
        }
    }

    /// After a batch of events: report transitions, tell watchers, answer waiting clients, publish
    /// discovery, then start what may now start (or stop what may now stop), until nothing changes.
    /// Publishing before starting dependents means a new instance always finds its dependencies
    /// ready in discovery.json.
    func afterEvents(now: Instant) {
        while noteTransitions() || changed {
            changed = false
            publish()
            notifyWatchers(now: now)
            serviceWaiters(now: now)
            if shuttingDown {
                advanceShutdown(now: now)
            } else {
                startWhatMayStart(now: now)
            }
        }
    }

    /// Logs every phase change since the last call; true when any phase or main pid changed.
    private func noteTransitions() -> Bool {
        var any = false
        let wall = Clocks.wall()
        for instance in instances where instance.phase != instance.publishedPhase || instance.publishedPID != instance.machine.mainPID {
            let phase = instance.phase
            if phase != instance.publishedPhase {
                instance.since = wall
                output.say(describe(instance))
            }
            instance.publishedPhase = phase
            instance.publishedPID = instance.machine.mainPID
            instance.discoveryJSON = nil
            any = true
        }
        return any
    }

    private func describe(_ instance: Instance) -> String {
        var text = "\(instance.id): \(instance.phase.rawValue)"
        if instance.machine.phase == .starting, let pid = instance.machine.mainPID { text += " (pid \(pid))" }
        let phase = instance.phase
        let explains = phase == .waiting || phase == .failed || (phase == .ready && instance.publishedPhase != .reloading)
            || (phase == .down && instance.machine.want == .up)
        if explains, let status = instance.machine.statusText { text += " — \(status)" }
        return text
    }

    /// Starts every held instance whose `after` roles are all ready; updates the reason of the rest.
    func startWhatMayStart(now: Instant) {
        for role in stack.roles {
            let held = (byRole[role.name] ?? []).filter { $0.machine.isHeld }
            guard !held.isEmpty else { continue }
            let blockers = role.after.compactMap { dependency -> String? in
                let members = byRole[dependency] ?? []
                if members.allSatisfy({ $0.machine.phase.isReady }) { return nil }
                let failed = members.filter { $0.machine.phase == .failed }.map(\.id)
                return failed.isEmpty ? dependency : "\(dependency) (\(failed.joined(separator: ", ")) failed)"
            }
            if blockers.isEmpty, !role.after.isEmpty { flushDiscovery() }
            for instance in held {
                if blockers.isEmpty {
                    apply(instance.machine.start(now: now, reset: false), to: instance, now: now)
                } else {
                    instance.machine.hold(reason: "waiting for " + blockers.joined(separator: ", "), now: now)
                }
            }
        }
    }

    /// Sends `reload-signal` to instances that watch a role whose set of ready instances changed.
    func notifyWatchers(now: Instant) {
        guard !watchedRoles.isEmpty else { return }
        var changedRoles: [String] = []
        for role in stack.roles where watchedRoles.contains(role.name) {
            // Membership counts too: a new instance needs its grants and routes before it can be ready.
            let members = byRole[role.name] ?? []
            let key = members.map(\.index) + [-1] + members.filter { $0.phase.isReady }.map(\.index)
            if readySets[role.name] ?? [] != key {
                readySets[role.name] = key
                changedRoles.append(role.name)
            }
        }
        guard !changedRoles.isEmpty else { return }
        flushDiscovery()
        for role in stack.roles where role.watches.contains(where: changedRoles.contains) {
            for instance in byRole[role.name] ?? [] {
                apply(instance.machine.reloadRequested(now: now), to: instance, now: now)
            }
        }
    }

    /// Marks discovery.json out of date.
    func publish() { publishPending = true }

    /// Writes discovery.json if it is out of date.
    func flushDiscovery() {
        guard publishPending else { return }
        publishPending = false
        let wall = Clocks.wall()
        let roles = stack.roles.map { role in
            (name: role.name, instances: (byRole[role.name] ?? []).map { instance in
                if let cached = instance.discoveryJSON { return cached }
                let rendered = Documents.instanceJSON(instance.snapshot(now: wall), forStatus: false)
                instance.discoveryJSON = rendered
                return rendered
            })
        }
        generation += 1
        let text = Documents.assemble(stack: stack.name, domain: stack.domain, generation: generation, roles: roles)
        do {
            try Files.writeAtomically(discoveryPath, text, durable: false)
            // Which process groups are ours, for the next `up` if this supervisor dies.
            let groups = instances.compactMap { instance in
                instance.processGroup.flatMap { group in instance.groupStart.map { "\(group) \($0)\n" } }
            }.joined()
            try Files.writeAtomically(groupsRecordPath, groups, mode: 0o600, durable: false)
        } catch {
            output.say("cannot publish discovery: \(error)")
        }
    }

    /// Begins an orderly stop of the whole stack: dependents first.
    func beginShutdown(now: Instant) {
        shuttingDown = true
        changed = true
        // Nothing restarts from now on; roles stop in order as their dependents go.
        for instance in instances { instance.machine.holdDown(now: now) }
        advanceShutdown(now: now)
    }

    /// Stops every role none of whose dependents still has processes.
    func advanceShutdown(now: Instant) {
        let graph = stack.graph
        for role in stack.roles {
            let members = byRole[role.name] ?? []
            guard members.contains(where: { $0.machine.hasProcesses && $0.machine.phase != .stopping }) else { continue }
            let dependentsRunning = graph.dependents(of: role.name).contains { dependent in
                (byRole[dependent] ?? []).contains { $0.machine.hasProcesses }
            }
            guard !dependentsRunning else { continue }
            for instance in members where instance.machine.hasProcesses {
                apply(instance.machine.stop(now: now), to: instance, now: now)
            }
        }
    }
}
