import Foundation
import Testing
import RosterCore

/// Reading `etc/roster.yaml`: shape, defaults and every user error with its file and line.
@Suite struct StackFileTests {
    let path = "etc/roster.yaml"

    /// Parses `text` and returns the file and the errors.
    private func parse(_ text: String) -> (StackFile?, [ConfigError]) {
        let (file, diagnostics) = StackFile.parse(text, path: path)
        return (file, diagnostics.errors)
    }

    /// The one role of a stack file that must parse cleanly.
    private func onlyRole(_ roleYAML: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> RoleRequest {
        let (file, errors) = parse("stack: s\nroles:\n  app: " + roleYAML + "\n")
        #expect(errors == [], sourceLocation: sourceLocation)
        return try #require(file?.roles.first, sourceLocation: sourceLocation)
    }

    /// The single error a stack file produces.
    private func onlyError(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> ConfigError {
        let (_, errors) = parse(text)
        #expect(errors.count == 1, "\(errors)", sourceLocation: sourceLocation)
        return try #require(errors.first, sourceLocation: sourceLocation)
    }

    @Test("The DESIGN example parses with its roles in file order")
    func designExample() throws {
        let (file, errors) = parse("""
            stack: foobar
            domain: foobar.com
            state-dir: .roster            # relative to the stack file; this is the default
            roles:
              db-primary: {}
              db-replica: {instances: 1}
              app: {instances: 2, restart: on-failure}
              web: {instances: 2}
              balancer: {ports: {http: 8080, https: 8443}}
              firewall-rules: {}
            """)
        #expect(errors == [])
        let stack = try #require(file)
        #expect(stack.stack == "foobar")
        #expect(stack.domain == "foobar.com")
        #expect(stack.stateDir == ".roster")
        #expect(stack.path == path)
        #expect(stack.roles.map(\.name) == ["db-primary", "db-replica", "app", "web", "balancer", "firewall-rules"])
        #expect(stack.roles.map(\.instances) == [1, 1, 2, 2, 1, 1])
        #expect(stack.roles.map(\.line) == [5, 6, 7, 8, 9, 10])
        #expect(stack.roles[2].tunables.restart == .onFailure)
        #expect(stack.roles[4].tunables.ports == ["http": 8080, "https": 8443])
    }

    @Test("Without domain and state-dir, there is no domain and the state directory is .roster")
    func defaults() throws {
        let (file, errors) = parse("stack: s\nroles: {}\n")
        #expect(errors == [])
        #expect(file?.domain == nil)
        #expect(file?.stateDir == ".roster")
        #expect(file?.roles == [])
    }

    @Test("A role with nothing after its colon gets one instance and empty options")
    func bareRole() throws {
        let (file, errors) = parse("stack: s\nroles:\n  app:\n")
        #expect(errors == [])
        let role = try #require(file?.roles.first)
        #expect(role.instances == 1)
        #expect(role.optionsJSON == "{}")
        #expect(role.tunables == Tunables())
    }

    @Test("A role's options become JSON for the plugin")
    func optionsBecomeJSON() throws {
        let role = try onlyRole("{options: {greeting: hi, workers: 4, tls: true, hosts: [a, b], none: null}}")
        let object = try JSONSerialization.jsonObject(with: Data(role.optionsJSON.utf8)) as? [String: Any]
        #expect(object?["greeting"] as? String == "hi")
        #expect(object?["workers"] as? Int == 4)
        #expect(object?["tls"] as? Bool == true)
        #expect(object?["hosts"] as? [String] == ["a", "b"])
        #expect(object?["none"] is NSNull)
    }

    @Test("options that are not a mapping are an error at their line")
    func optionsMustBeAMapping() throws {
        let error = try onlyError("stack: s\nroles:\n  app:\n    options: [a]\n")
        #expect(error.line == 4)
        #expect(error.message == "role \"app\": options: expected a mapping, found a list")
    }

    @Test("Durations 10s, 250ms and 1m are accepted", arguments: [
        ("10s", Duration.seconds(10)), ("250ms", .milliseconds(250)), ("1m", .seconds(60)), ("0", .zero), ("2", .seconds(2)),
    ])
    func validDurations(text: String, expected: Duration) throws {
        let role = try onlyRole("{restart-sec: \(text), start-timeout: \(text), watchdog: \(text)}")
        #expect(role.tunables.restartSec == expected)
        #expect(role.tunables.startTimeout == expected)
        #expect(role.tunables.watchdog == expected)
    }

    @Test("Malformed or negative durations are errors at their line", arguments: ["10x", "-1", "ten", "[1]"])
    func invalidDurations(text: String) throws {
        let error = try onlyError("stack: s\nroles:\n  app:\n    restart-sec: \(text)\n")
        #expect(error.file == path)
        #expect(error.line == 4)
        #expect(error.message.hasPrefix("role \"app\": restart-sec: expected a duration such as 0, 250ms, 10s or 1m"))
    }

    @Test("An unknown restart policy names the file, line, what was found and what is allowed")
    func unknownRestartPolicy() throws {
        let error = try onlyError("stack: s\nroles:\n  app:\n    instances: 2\n    restart: sometimes\n")
        #expect(error.description == "etc/roster.yaml:5: role \"app\": restart \"sometimes\" is not one of no, on-success, on-failure, on-abnormal, on-watchdog, on-abort, always")
    }

    @Test("restart: no means the policy no, though YAML 1.1 reads a bare no as false")
    func restartNo() throws {
        #expect(try onlyRole("{restart: no}").tunables.restart == RestartPolicy.no)
        #expect(try onlyRole("{restart: \"no\"}").tunables.restart == RestartPolicy.no)
    }

    @Test("Every tunable key is read into the role's overrides")
    func everyTunable() throws {
        let role = try onlyRole("""
            {restart: always, restart-sec: 1s, restart-max-sec: 30s, start-limit-burst: 7, start-limit-interval: 1m,
                 start-timeout: 20s, stop-timeout: 3s, stop-signal: SIGQUIT, reload-signal: USR2, watchdog: 15s,
                 notify-access: all, ports: {http: 8000}}
            """)
        var expected = Tunables()
        expected.restart = .always
        expected.restartSec = .seconds(1)
        expected.restartMaxSec = .seconds(30)
        expected.startLimitBurst = 7
        expected.startLimitInterval = .seconds(60)
        expected.startTimeout = .seconds(20)
        expected.stopTimeout = .seconds(3)
        expected.stopSignal = 3
        expected.reloadSignal = 12
        expected.watchdog = .seconds(15)
        expected.notifyAccess = .all
        expected.ports = ["http": 8000]
        #expect(role.tunables == expected)
    }

    @Test("An unknown top-level key is an error at its line, listing the allowed keys")
    func unknownTopLevelKey() throws {
        let error = try onlyError("stack: s\ncolour: blue\nroles: {}\n")
        #expect(error == ConfigError(file: path, line: 2, "unknown key \"colour\" (allowed: stack, domain, state-dir, user, roles)"))
    }

    @Test("An unknown key in a role is an error at its line")
    func unknownRoleKey() throws {
        let error = try onlyError("stack: s\nroles:\n  app:\n    instances: 2\n    restart-secs: 1s\n")
        #expect(error.line == 5)
        #expect(error.message.hasPrefix("role \"app\": unknown key \"restart-secs\" (allowed: instances, options, restart, restart-sec,"))
    }

    @Test("instances must be a whole number", arguments: ["two", "1.5", "[1]"])
    func instancesWrongType(text: String) throws {
        let error = try onlyError("stack: s\nroles:\n  app:\n    instances: \(text)\n")
        #expect(error.line == 4)
        #expect(error.message.hasPrefix("role \"app\": instances: expected a whole number, found"))
    }

    @Test("A negative instance count is out of range")
    func negativeInstances() throws {
        let error = try onlyError("stack: s\nroles:\n  app:\n    instances: -1\n")
        #expect(error.line == 4)
        #expect(error.message == "role \"app\": instances: -1 is out of range (0…65000)")
    }

    @Test("stack must be a string, not a list")
    func stackWrongType() throws {
        let error = try onlyError("stack: [a, b]\nroles: {}\n")
        #expect(error.line == 1)
        #expect(error.message == "stack: expected a string, found a list")
    }

    @Test("A stack name must be a short name")
    func stackNameMustBeAName() throws {
        let error = try onlyError("stack: foo bar\nroles: {}\n")
        #expect(error.line == 1)
        #expect(error.message.hasPrefix("stack \"foo bar\" must be a short name"))
    }

    @Test("A role name may hold only letters, digits, - and _")
    func roleNameMustBeAName() throws {
        let error = try onlyError("stack: s\nroles:\n  web/1: {}\n")
        #expect(error.line == 3)
        #expect(error.message == "role \"web/1\": a role name may hold only letters, digits, - and _")
    }

    @Test("roles must be a mapping of role names")
    func rolesMustBeAMapping() throws {
        let error = try onlyError("stack: s\nroles: [app, web]\n")
        #expect(error.line == 2)
        #expect(error.message == "roles: expected a mapping, found a list")
    }

    @Test("A missing stack key is an error naming the key")
    func missingStack() throws {
        let error = try onlyError("roles: {}\n")
        #expect(error == ConfigError(file: path, line: nil, "missing required key \"stack\" (the stack's name)"))
    }

    @Test("A missing roles key is an error naming the key")
    func missingRoles() throws {
        let error = try onlyError("stack: s\n")
        #expect(error == ConfigError(file: path, line: nil, "missing required key \"roles\""))
    }

    @Test("A top-level key given twice is an error at the key's first line")
    func duplicateTopLevelKey() throws {
        let error = try onlyError("stack: a\nroles: {}\nstack: b\n")
        #expect(error == ConfigError(file: path, line: 1, "invalid YAML: duplicate keys stack"))
    }

    @Test("A role given twice is an error at the role's first line")
    func duplicateRole() throws {
        let error = try onlyError("stack: s\nroles:\n  app: {}\n  web: {}\n  app: {instances: 2}\n")
        #expect(error == ConfigError(file: path, line: 3, "invalid YAML: duplicate keys app"))
    }

    @Test("Invalid YAML is an error at the line of the problem")
    func invalidYAML() throws {
        let error = try onlyError("stack: s\nroles:\n  app: {instances: 2\n  web: {}\n")
        #expect(error.message.hasPrefix("invalid YAML"))
        #expect(error.line != nil)
    }

    @Test("An empty file is an error")
    func emptyFile() throws {
        let (file, errors) = parse("")
        #expect(file == nil)
        #expect(errors == [ConfigError(file: path, line: nil, "the file is empty; expected a mapping")])
    }

    @Test("A file that is not a mapping is an error")
    func notAMapping() throws {
        let (file, errors) = parse("- a\n- b\n")
        #expect(file == nil)
        #expect(errors.map(\.message) == ["stack file: expected a mapping, found a list"])
    }

    @Test("An unknown signal name is an error at its line")
    func unknownSignal() throws {
        let error = try onlyError("stack: s\nroles:\n  app:\n    stop-signal: SIGFOO\n")
        #expect(error.line == 4)
        #expect(error.message.hasPrefix("role \"app\": stop-signal: \"SIGFOO\" is not a signal"))
    }

    @Test("notify-access must be main or all")
    func notifyAccessValues() throws {
        let error = try onlyError("stack: s\nroles:\n  app:\n    notify-access: some\n")
        #expect(error.line == 4)
        #expect(error.message == "role \"app\": notify-access \"some\" is not one of main, all")
    }

    @Test("A port outside 1…65535 is an error at its line")
    func portOutOfRange() throws {
        let error = try onlyError("stack: s\nroles:\n  app:\n    ports:\n      http: 70000\n")
        #expect(error.line == 5)
        #expect(error.message == "role \"app\": port http: 70000 is out of range (1…65535)")
    }

    @Test("Every problem in the file is reported, not only the first")
    func everyProblemIsReported() {
        let (_, errors) = parse("stack: s\nflavour: x\nroles:\n  app:\n    restart: sometimes\n    instances: many\n")
        #expect(errors.map(\.line) == [2, 5, 6])
    }

    @Test("user is read at the top and per role, with the file and line that set it")
    func userSettings() throws {
        let (file, errors) = parse("stack: s\nuser: svc\nroles:\n  app:\n    user: www-data\n  db: {user: 999}\n")
        #expect(errors == [])
        #expect(file?.user == UserSetting(name: "svc", file: path, line: 2))
        #expect(file?.roles.first?.tunables.user == UserSetting(name: "www-data", file: path, line: 5))
        #expect(file?.roles.last?.tunables.user?.name == "999", "a numeric uid is a user too")
    }

    @Test("A user that cannot be a name is an error at its line")
    func badUserName() throws {
        let error = try onlyError("stack: s\nroles:\n  app:\n    user: \"-rf\"\n")
        #expect(error.line == 4)
        #expect(error.message.hasPrefix("role \"app\": user \"-rf\": expected a user name"))
        #expect(try onlyError("stack: s\nuser: [a, b]\nroles: {}\n").line == 2)
    }
}
