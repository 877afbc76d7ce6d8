import Glibc
import RosterKit
import Testing

extension RosterKitTests {
    /// Running a short command to completion: status, captured output, timeout, lookup.
    @Suite struct CommandTests {
        @Test("A command's exit status and both its output streams are captured")
        func statusAndOutputAreCaptured() throws {
            let result = try Command.run(["sh", "-c", "echo out; echo err >&2; exit 3"])
            #expect(result.status == 3)
            #expect(result.output.contains("out\n"))
            #expect(result.output.contains("err\n"))
        }

        @Test("A command that outlives its timeout is killed and reports 128+9")
        func timeoutKills() throws {
            let start = ContinuousClock.now
            let result = try Command.run(["sleep", "30"], timeout: .milliseconds(200))
            #expect(result.status == 128 + SIGKILL)
            #expect(ContinuousClock.now - start < .seconds(10))
        }

        @Test("The command runs in the directory and with exactly the environment given")
        func directoryAndEnvironmentAreUsed() throws {
            let directory = try TemporaryDirectory()
            let result = try Command.run(["sh", "-c", "pwd; echo \"$ROSTER_TEST_VALUE\"; echo \"${HOME:-no home}\""],
                                         environment: ["ROSTER_TEST_VALUE=42", "PATH=/usr/bin:/bin"], directory: directory.path)
            #expect(result.status == 0)
            #expect(result.output == "\(directory.path)\n42\nno home\n")
        }

        @Test("Commands run from many threads at once each get their own status and output")
        func concurrentCommandsStayApart() async throws {
            let mixedUp = try await withThrowingTaskGroup(of: Bool.self) { group in
                for i in 0..<100 {
                    group.addTask {
                        let result = try Command.run(["sh", "-c", "echo \(i); exit \(i % 50)"])
                        return result.status != Int32(i % 50) || result.output != "\(i)\n"
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(mixedUp == 0)
        }

        @Test("An unknown command is a permanent failure (100) naming it")
        func unknownCommandIsPermanent() {
            let error = #expect(throws: PluginError.self) { try Command.run(["roster-no-such-command"]) }
            #expect(error?.exitCode == 100)
            #expect(error?.message.contains("roster-no-such-command") == true)
        }
    }
}
