import RosterKit
import Testing

extension RosterKitTests {
    /// What a plugin reads from the environment Roster gives it (DESIGN §2), and its errors.
    @Suite struct PluginEnvironmentTests {
        /// Everything Roster sets for `web/1`.
        static let web1: [String: String] = [
            "ROSTER_STACK": "foobar", "ROSTER_DOMAIN": "foobar.com", "ROSTER_ROLE": "web",
            "ROSTER_INSTANCE": "web/1", "ROSTER_ADDRESS": "127.77.2.2",
            "ROSTER_PORT_HTTP": "8080", "ROSTER_PORT_HTTP_ADMIN": "9090",
            "ROSTER_STATE_DIR": "/srv/stack/.roster/instances/web/1",
            "ROSTER_DISCOVERY": "/srv/stack/.roster/discovery.json",
            "ROSTER_OPTIONS": #"{"workers": 4, "upstream": "app"}"#,
            "PATH": "/usr/bin:/bin",
        ]

        struct WebOptions: Decodable, Equatable {
            var workers: Int
            var upstream: String
        }

        func environment(_ changes: [String: String?]) throws -> PluginEnvironment {
            var variables = Self.web1
            for (name, value) in changes { variables[name] = value }
            return try PluginEnvironment(variables)
        }

        @Test("Every variable Roster sets is read into its field")
        func readsEveryField() throws {
            let env = try PluginEnvironment(Self.web1)
            #expect(env.stack == "foobar")
            #expect(env.domain == "foobar.com")
            #expect(env.role == "web")
            #expect(env.instance == "web/1")
            #expect(env.index == 1)
            #expect(env.address == "127.77.2.2")
            #expect(env.ports == ["http": 8080, "http-admin": 9090])
            #expect(env.stateDirectory == "/srv/stack/.roster/instances/web/1")
            #expect(env.discoveryPath == "/srv/stack/.roster/discovery.json")
            #expect(env.optionsJSON == #"{"workers": 4, "upstream": "app"}"#)
        }

        @Test("ROSTER_PORT_HTTP_ADMIN is the port named http-admin")
        func portNamesAreLowerCasedWithDashes() throws {
            #expect(try PluginEnvironment(Self.web1).port("http-admin") == 9090)
        }

        @Test("A missing ROSTER_ROLE is a permanent failure (100) naming the variable")
        func missingVariableIsPermanent() {
            let error = #expect(throws: PluginError.self) { try environment(["ROSTER_ROLE": nil]) }
            #expect(error?.exitCode == 100)
            #expect(error?.message.contains("ROSTER_ROLE") == true)
        }

        @Test("A port the role does not have is a permanent failure (100) naming the port")
        func unknownPortIsPermanent() throws {
            let env = try PluginEnvironment(Self.web1)
            let error = #expect(throws: PluginError.self) { try env.port("nope") }
            #expect(error?.exitCode == 100)
            #expect(error?.message.contains("\"nope\"") == true)
        }

        @Test("The role's options decode into the plugin's Codable struct")
        func optionsDecode() throws {
            #expect(try PluginEnvironment(Self.web1).options(WebOptions.self) == WebOptions(workers: 4, upstream: "app"))
        }

        @Test("A missing option is a permanent failure (100) naming the field")
        func missingOptionIsPermanent() throws {
            let env = try environment(["ROSTER_OPTIONS": #"{"workers": 4}"#])
            let error = #expect(throws: PluginError.self) { try env.options(WebOptions.self) }
            #expect(error?.exitCode == 100)
            #expect(error?.message.contains("upstream") == true)
        }

        @Test("A mistyped option is a permanent failure (100) naming the field")
        func mistypedOptionIsPermanent() throws {
            let env = try environment(["ROSTER_OPTIONS": #"{"workers": "four", "upstream": "app"}"#])
            let error = #expect(throws: PluginError.self) { try env.options(WebOptions.self) }
            #expect(error?.exitCode == 100)
            #expect(error?.message.contains("workers") == true)
        }
    }
}
