import Foundation
import RosterSystem
import Testing

/// `roster validate`, `roster up` and `roster plugins` on real files.
@Suite(.serialized)
struct ConfigurationTests {
    /// Every error is printed with file and line, the exit code is 2 and nothing starts.
    @Test func badConfigurationIsRefusedWithFileAndLine() throws {
        let stack = try StackHarness([
            .init(name: "app", manifest: "after: [db]\nrestart-sec: soon", script: Scripts.bashReady),
            .init(name: "db", manifest: "after: [app]", script: Scripts.bashReady),
        ], roles: "  app: {restart: sometimes}\n  db: {instances: two}\n  ghost: {}\n  web: {colour: blue}")
        for command in ["validate", "up"] {
            let result = try stack.cli(command)
            #expect(result.code == 2)
            #expect(result.err.contains("roster.yaml:3: role \"app\": restart \"sometimes\" is not one of no, on-success, on-failure"))
            #expect(result.err.contains("roster.yaml:4: role \"db\": instances: expected a whole number"))
            #expect(result.err.contains("roster.yaml:6: role \"web\": unknown key \"colour\""))
            #expect(result.err.contains("role.yaml:4: role \"app\": restart-sec: expected a duration"))
            #expect(result.err.contains("roster.yaml:5: role \"ghost\": no plugin named \"ghost\""))
            #expect(result.err.contains("dependency cycle through \"after\": app → db → app"))
            #expect(result.err.contains("nothing was started"))
        }
        #expect(!Files.exists(stack.stateDir + "/control.sock"))
        #expect(!Files.exists(stack.stateDir + "/supervisor.run"))
    }

    /// A dependency cycle is named in order; unknown roles and missing executables are errors.
    @Test func cyclesUnknownRolesAndMissingExecutables() throws {
        let stack = try StackHarness([
            .init(name: "a", manifest: "after: [b]", script: Scripts.bashReady),
            .init(name: "b", manifest: "after: [a]", script: Scripts.bashReady),
            .init(name: "c", script: Scripts.bashReady, fileName: "run"),
        ], roles: "  a: {}\n  b: {}\n  c: {}\n  ghost: {}")
        try Files.writeAtomically(stack.directory + "/roles.d/c/role.yaml", "name: c\nexec: missing.sh\n")
        let result = try stack.cli("validate")
        #expect(result.code == 2)
        #expect(result.err.contains("dependency cycle through \"after\": a → b → a"))
        #expect(result.err.contains("role \"ghost\": no plugin named \"ghost\""))
        #expect(result.err.contains("roles.d/c/role.yaml:2: role \"c\": exec \"missing.sh\": no such executable"))
    }

    /// A valid stack validates, and `roster plugins` lists name, executable and manifest.
    @Test func validStackValidatesAndPluginsAreListed() throws {
        let stack = try StackHarness([.init(name: "hello", script: Scripts.bashReady)], roles: "  hello: {instances: 2}")
        let valid = try stack.cli("validate")
        #expect(valid.code == 0)
        #expect(valid.out.contains("ok"))
        let plugins = try stack.cli("plugins")
        #expect(plugins.code == 0)
        #expect(plugins.out.contains("hello"))
        #expect(plugins.out.contains("roles.d/hello/run"))
        #expect(plugins.out.contains("roles.d/hello/role.yaml"))
    }
}
