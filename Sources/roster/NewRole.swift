import ArgumentParser
import Roster
import RosterSystem
import Glibc

/// `roster new-role NAME`: scaffold a working plugin.
struct NewRole: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new-role",
        abstract: "Scaffold a role plugin (manifest, executable, test) that `roster up` can run at once.")

    enum Language: String, ExpressibleByArgument, CaseIterable {
        case bash, python, swift
    }

    @OptionGroup var stackOption: StackOption

    @Argument(help: "The role's name (letters, digits, - and _).")
    var name: String

    @Option(help: "The plugin's language: bash, python or swift.")
    var lang: Language = .bash

    @Option(help: "Where to create <NAME>/ (default: roles.d/ beside the stack file).")
    var dir: String?

    func validate() throws {
        guard !name.isEmpty, name.count <= 64, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw ValidationError("role name \"\(name)\" may hold only letters, digits, - and _ (at most 64)")
        }
    }

    func run() throws {
        let parent = dir.map { Files.absolute($0) } ?? Files.parent(of: Files.absolute(stackOption.file)) + "/roles.d"
        let target = parent + "/" + name
        guard !Files.exists(target) else {
            CLI.error("\(target) already exists; nothing was written (choose another name or remove it)")
            throw ExitCode(2)
        }
        let files: [(path: String, text: String, executable: Bool)]
        switch lang {
        case .bash: files = Scaffold.bash(name)
        case .python: files = Scaffold.python(name)
        case .swift:
            guard let root = PluginCatalog.sourceTree() else {
                CLI.error("a Swift role needs Roster's source tree (for RosterKit); run this roster from its checkout")
                throw ExitCode(1)
            }
            files = Scaffold.swift(name, rosterPackage: root)
        }
        do {
            for file in files {
                try Files.makeDirectories(Files.parent(of: target + "/" + file.path))
                try Files.writeAtomically(target + "/" + file.path, file.text, mode: file.executable ? 0o755 : 0o644)
            }
        } catch {
            CLI.error("roster: \(error)")
            throw ExitCode(1)
        }
        CLI.say("""
            created \(target)/ (\(files.map(\.path).joined(separator: ", ")))
            next: add `\(name): {}` under `roles:` in \(stackOption.file), then `roster up`;
                  \(target)/test.sh runs the role alone under Roster and checks that it becomes ready
            """)
    }
}

/// The files of a new role.
enum Scaffold {
    static func manifest(_ name: String, exec: String, extra: String = "") -> String {
        """
        # The \(name) role. Keys and defaults: docs/plugins.md.
        name: \(name)
        exec: \(exec)
        notify-access: all        # systemd-notify and child processes may notify too
        \(extra)
        """
    }

    /// A shell test that boots the role alone in a throw-away stack and waits until it is ready.
    static func test(_ name: String) -> String {
        let roster = Files.currentExecutable()
        return """
            #!/bin/bash
            # Boots \(name) alone under Roster in a throw-away stack; passes when every instance becomes ready.
            set -u
            here=$(cd "$(dirname "$0")" && pwd)
            roster=${ROSTER:-\(roster)}
            work=$(mktemp -d)
            chmod 755 "$work"   # run as root, Roster runs roles as the user roster (docs/security.md)
            trap '"$roster" down -f "$work/roster.yaml" >/dev/null 2>&1; rm -rf "$work"' EXIT
            printf 'stack: test-\(name)\\nroles:\\n  \(name): {instances: 2}\\n' > "$work/roster.yaml"
            export ROSTER_PLUGIN_PATH="$(dirname "$here")${ROSTER_PLUGIN_PATH:+:$ROSTER_PLUGIN_PATH}"
            "$roster" up --detach -f "$work/roster.yaml" >/dev/null || { echo "0 passed, 1 failed"; exit 1; }
            if "$roster" start \(name) -f "$work/roster.yaml"; then
                "$roster" status -f "$work/roster.yaml"
                echo "1 passed, 0 failed"
            else
                "$roster" logs --file "$work/roster.yaml" \(name)
                echo "0 passed, 1 failed"
                exit 1
            fi

            """
    }

    static func bash(_ name: String) -> [(String, String, Bool)] {
        [("role.yaml", manifest(name, exec: "run.sh"), false),
         ("run.sh", """
            #!/bin/bash
            # \(name): replace the loop with your service. Contract: docs/plugins.md.
            set -u
            reload() {
                systemd-notify RELOADING=1
                # re-read "$ROSTER_DISCOVERY" here and apply it
                systemd-notify --ready --status="reloaded"
            }
            trap reload HUP
            trap 'systemd-notify STOPPING=1; exit 0' TERM INT
            echo "\(name) $ROSTER_INSTANCE starting on $ROSTER_ADDRESS"
            systemd-notify --ready --status="serving on $ROSTER_ADDRESS"
            while true; do
                sleep infinity &
                wait $!
            done

            """, true),
         ("test.sh", test(name), true)]
    }

    static func python(_ name: String) -> [(String, String, Bool)] {
        [("role.yaml", manifest(name, exec: "run.py"), false),
         ("run.py", """
            #!/usr/bin/env python3
            \"\"\"\(name): replace the loop with your service. Contract: docs/plugins.md.\"\"\"
            import os, signal, socket, sys


            def notify(*fields):
                address = os.environ.get("NOTIFY_SOCKET")
                if not address:
                    return
                if address.startswith("@"):
                    address = "\\0" + address[1:]
                with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
                    s.sendto("\\n".join(fields).encode(), address)


            def reload(*_):
                notify("RELOADING=1")
                # re-read os.environ["ROSTER_DISCOVERY"] here and apply it
                notify("READY=1", "STATUS=reloaded")


            def stop(*_):
                notify("STOPPING=1")
                sys.exit(0)


            signal.signal(signal.SIGHUP, reload)
            signal.signal(signal.SIGTERM, stop)
            print(f"\(name) {os.environ['ROSTER_INSTANCE']} starting on {os.environ['ROSTER_ADDRESS']}", flush=True)
            notify("READY=1", f"STATUS=serving on {os.environ['ROSTER_ADDRESS']}")
            while True:
                signal.pause()

            """, true),
         ("test.sh", test(name), true)]
    }

    static func swift(_ name: String, rosterPackage: String) -> [(String, String, Bool)] {
        let module = name.replacing("-", with: "_")
        return [
            ("role.yaml", manifest(name, exec: "run.sh", extra: "start-timeout: 10m       # the first start builds the plugin\n"), false),
            ("run.sh", """
                #!/bin/bash
                # Builds the plugin when its sources are newer than the binary, then runs it.
                set -e
                here=$(cd "$(dirname "$0")" && pwd)
                binary="$here/.build/release/\(name)"
                if [ ! -x "$binary" ] || [ -n "$(find "$here/Sources" "$here/Package.swift" -newer "$binary" 2>/dev/null | head -1)" ]; then
                    swift build -c release --package-path "$here" --product \(name) >&2
                fi
                exec "$binary"

                """, true),
            ("Package.swift", """
                // swift-tools-version:6.0
                import PackageDescription

                let package = Package(
                    name: "\(name)",
                    dependencies: [.package(name: "Roster", path: "\(rosterPackage)")],
                    targets: [
                        .executableTarget(name: "\(name)", dependencies: [.product(name: "RosterKit", package: "Roster")],
                                          path: "Sources/\(module)"),
                        .testTarget(name: "\(module)Tests", dependencies: [.product(name: "RosterKit", package: "Roster")],
                                    path: "Tests/\(module)Tests"),
                    ],
                    swiftLanguageModes: [.v6]
                )

                """, false),
            ("Sources/\(module)/main.swift", """
                // \(name): replace the wait with your service. Contract: docs/plugins.md.
                import Glibc
                import RosterKit

                do {
                    let env = try PluginEnvironment()
                    var signals = sigset_t()
                    sigemptyset(&signals)
                    for signal in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&signals, signal) }
                    pthread_sigmask(SIG_BLOCK, &signals, nil)
                    print("\(name) \\(env.instance) starting on \\(env.address)")
                    Notify.send(.ready, .status("serving on \\(env.address)"))
                    while true {
                        var received: Int32 = 0
                        sigwait(&signals, &received)
                        if received == SIGHUP {
                            Notify.send(.reloading)
                            // re-read env.discovery() here and apply it
                            Notify.send(.ready, .status("reloaded"))
                        } else {
                            Notify.send(.stopping)
                            exit(PluginExit.clean)
                        }
                    }
                } catch let error as PluginError {
                    print("\(name): \\(error.message)")
                    Notify.send(.status(error.message))
                    exit(error.exitCode)
                } catch {
                    print("\(name): \\(error)")
                    exit(PluginExit.temporary)
                }

                """, false),
            ("Tests/\(module)Tests/\(module)Tests.swift", """
                import RosterKit
                import Testing

                @Test func readyMessageIsWhatTheSupervisorExpects() {
                    #expect(Notify.render([.ready, .status("ok")], monotonicMicroseconds: 0) == "READY=1\\nSTATUS=ok")
                }

                """, false),
            ("test.sh", test(name), true),
            (".gitignore", ".build/\nPackage.resolved\n", false),
        ]
    }
}
