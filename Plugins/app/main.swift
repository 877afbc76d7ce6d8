// app: the seed's HTTP service. Hummingbird on the instance's own address; MariaDB through the
// database tier in discovery (writes to the primary, reads to a ready replica). Ready once it
// serves and the primary answers; the watchdog pings only while the primary answers.
@preconcurrency import Dispatch
import Glibc
import HTTPTypes
import Hummingbird
import RosterKit
import RosterRoles
import RosterSystem

struct Options: Decodable {
    var database = "appdb"
    var primary = "db-primary"
    var replica = "db-replica"

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        database = try container.decodeIfPresent(String.self, forKey: .database) ?? database
        primary = try container.decodeIfPresent(String.self, forKey: .primary) ?? primary
        replica = try container.decodeIfPresent(String.self, forKey: .replica) ?? replica
    }

    enum CodingKeys: String, CodingKey { case database, primary, replica }
}

/// Adds `X-Roster-App: app/N` to every response.
struct InstanceHeader<Context: RequestContext>: RouterMiddleware {
    let name: HTTPField.Name
    let value: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        response.headers[name] = value
        return response
    }
}

func fail(_ error: PluginError) -> Never {
    writeAll(2, "app: \(error.message)\n")
    Notify.send(.status(error.message))
    exit(error.exitCode)
}

let env: PluginEnvironment
let options: Options
let password: String
do {
    env = try PluginEnvironment()
    options = try env.options(Options.self)
    password = try Secrets().value(MariaDBSetup.Secret.appPassword, create: false)
} catch {
    fail(error)
}

let db = Database(password: password, database: options.database, bind: env.address,
                  primaryRole: options.primary, replicaRole: options.replica)
do { db.follow(try env.discovery()) } catch { fail(error) }

// SIGHUP: a database role changed; follow it.
signal(SIGHUP, SIG_IGN)
let reload = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .main)   // the main actor, like this code
reload.setEventHandler {
    Notify.send(.reloading)
    do {
        db.follow(try env.discovery())
        let endpoints = db.endpoints
        Notify.send(.ready, .status("primary \(endpoints.primary?.id ?? "none"), replicas \(endpoints.replicas.map(\.id).joined(separator: " "))"))
    } catch let error as PluginError {
        Notify.send(.ready, .status("cannot read discovery: \(error.message); keeping the old endpoints"))
    } catch {
        Notify.send(.ready, .status("cannot read discovery: \(error); keeping the old endpoints"))
    }
}
reload.resume()

let api = API(db: db, instance: env.instance)
let router = Router()
router.add(middleware: InstanceHeader(name: HTTPField.Name("X-Roster-App")!, value: env.instance))
api.register(on: router)

let port = (try? env.port("http")) ?? 8000
let app = Application(
    router: router,
    configuration: .init(address: .hostname(env.address, port: port), serverName: "roster-app"),
    onServerRunning: { _ in
        // Create the schema (idempotent, safe with several instances at once), then say ready.
        while true {
            do {
                try await db.write { db in for statement in API.schema { try db.execute(statement) } }
                break
            } catch {
                Notify.send(.status("waiting for the database: \(error)"))
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        let endpoints = db.endpoints
        Notify.send(.ready, .status("serving on \(env.address):\(port); primary \(endpoints.primary?.id ?? "none"), replicas \(endpoints.replicas.map(\.id).joined(separator: " "))"))
        Task.detached {
            await Watchdog.run { (try? await db.write { try $0.value("SELECT 1") }) == "1" }
        }
    })

do {
    try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    Notify.send(.stopping)
} catch {
    writeAll(2, "app: \(error)\n")
    exit(PluginExit.temporary)
}
