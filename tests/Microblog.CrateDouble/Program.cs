using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microblog.CrateDouble;
using Microblog.Testing;

// A CrateDB double for the live tests: `Microblog.CrateDouble [-Cpath.conf=]DIR|crate.yml [-Ckey=value ...]`.
CrateSettings settings;
try
{
    settings = CrateSettings.FromArgs(args);
}
catch (Exception e) when (e is ArgumentException or IOException or FormatException or UnauthorizedAccessException or YamlDotNet.Core.YamlException)
{
    Console.Error.WriteLine($"crate double: {e.Message}");
    Console.Error.WriteLine("usage: Microblog.CrateDouble [-Cpath.conf=]<folder with crate.yml | crate.yml> [-Ckey=value ...]");
    return 2;
}

// As CrateDB's JVM, SIGTERM ends the node, as PID 1 of a container too: .NET's default re-raises the signal, which the
// kernel ignores for PID 1, and Docker would wait out its whole stop timeout.
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => Environment.Exit(143));

var users = new Users(settings);
var cluster = new Cluster(settings, users);
var tables = new Tables();
StatementLog? log = null;
if (settings.DataPath is { } dataPath)
{
    // Like CrateDB's own nodes/0 folder: the node's identity lives with its data, so a new container on the same
    // volume is the same node.
    var nodeDir = Path.Combine(dataPath, "nodes", "0");
    Directory.CreateDirectory(nodeDir);
    var idFile = Path.Combine(nodeDir, "node.id");
    if (!File.Exists(idFile))
    {
        File.WriteAllText(idFile, Guid.NewGuid().ToString("N") + "\n");
    }

    Console.WriteLine($"crate double {settings.NodeName}: data in {dataPath}, node id {File.ReadAllText(idFile).Trim()}");
    log = new StatementLog(Path.Combine(dataPath, StatementLog.FileName));
}

var listeners = new List<Socket>();
var tasks = new List<Task>();
foreach (var address in settings.BindAddresses)
{
    var http = MiniHttpServer.Listen(address, settings.HttpPort);
    listeners.Add(http);
    tasks.Add(MiniHttpServer.Serve(http, Handle, CancellationToken.None));
    foreach (var port in new[] { (int?)settings.TransportPort, settings.PsqlPort }.OfType<int>())
    {
        var raw = MiniHttpServer.Listen(address, port);
        listeners.Add(raw);
        tasks.Add(port == settings.TransportPort ? Transport(raw) : Sink(raw));
    }
}

Console.WriteLine($"crate double {settings.NodeName} (cluster {settings.ClusterName}, from {settings.ConfigFile}): " +
    $"{string.Join(",", settings.BindAddresses)} http {settings.HttpPort} transport {settings.TransportPort} psql {settings.PsqlPort?.ToString() ?? "off"}, " +
    $"ready {(DateTime.Now - Process.GetCurrentProcess().StartTime).TotalMilliseconds:F0} ms after start");
tasks.Add(cluster.Gossip());
// SIGTERM ends the node at once, as CrateDB's own shutdown does (Docker stops a container it replaces or removes with it).
using var onTerm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, _ => Environment.Exit(0));
await Task.WhenAll(tasks);
return 0;

async Task<HttpResponse> Handle(HttpRequest request)
{
    if (request.Path == "/_sql")
    {
        return await Sql(request);
    }

    // The double's own test hook, not CrateDB's: who its seed hosts are and whether it reaches them.
    if (request.Path == "/__seeds")
    {
        return new HttpResponse(200, JsonSerializer.Serialize(await Seeds()) + "\n", "application/json");
    }

    // Every other path of CrateDB's HTTP port needs an authenticated user too (host-based authentication applies to
    // the whole port, the admin UI's pages as well).
    var (_, refusal) = users.Authenticate(request);
    if (refusal is not null)
    {
        return Error(401, 4011, refusal);
    }

    object body = new Dictionary<string, object?>
    {
        ["name"] = settings.NodeName,
        ["cluster_name"] = settings.ClusterName,
        ["double"] = true,
        ["http_port"] = settings.HttpPort,
        ["transport_port"] = settings.TransportPort,
        ["psql_port"] = settings.PsqlPort,
        ["seed_hosts"] = settings.SeedHosts,
    };
    return new HttpResponse(200, JsonSerializer.Serialize(body) + "\n", "application/json");
}

async Task<object> Seeds() => await Task.WhenAll(settings.SeedHosts.Select(async seed =>
{
    var colon = seed.LastIndexOf(':');
    var host = colon > 0 ? seed[..colon] : seed;
    var port = colon > 0 ? int.Parse(seed[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture) : 4300;
    try
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var ip = IPAddress.TryParse(host.Trim('[', ']'), out var parsed) ? parsed : (await Dns.GetHostAddressesAsync(host))[0];
        await socket.ConnectAsync(new IPEndPoint(ip, port), timeout.Token);
        return new Dictionary<string, object?> { ["seed"] = seed, ["reachable"] = true };
    }
    catch (Exception e) when (e is SocketException or OperationCanceledException)
    {
        return new Dictionary<string, object?> { ["seed"] = seed, ["reachable"] = false };
    }
}));

// The statements a deployment sends: its checks, its credentials, a rolling restart's and a decommission's; and an
// app's, on its own tables. Every statement is logged (stdout with its user and peer, and with its time under the node's
// data path, which outlives the container), never its arguments (as in CrateDB's job log), so a test can assert what
// was asked, by whom, from where and in which order. Each needs the privileges CrateDB's access control asks for
// (<see cref="Privileges"/>); a user without them is refused as CrateDB refuses, HTTP 401.
async Task<HttpResponse> Sql(HttpRequest request)
{
    string? statement = null;
    var args = new List<JsonElement>();
    try
    {
        using var json = JsonDocument.Parse(request.Body);
        statement = json.RootElement.GetProperty("stmt").GetString();
        if (json.RootElement.TryGetProperty("args", out var given))
        {
            args.AddRange(given.EnumerateArray().Select(a => a.Clone()));
        }
    }
    catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
    {
    }

    var (user, refusal) = users.Authenticate(request);
    Console.WriteLine($"crate double {settings.NodeName}: statement {statement ?? "(none)"} (as {user ?? "nobody"}, from {request.Peer})");
    log?.Add(settings.NodeName, statement ?? "(none)");
    if (refusal is not null)
    {
        return Error(401, 4011, refusal);
    }

    var members = cluster.Members();
    if (!cluster.HasMaster(members))
    {
        return Error(503, 5030, $"no master: {members.Count} of the master-eligible nodes {string.Join(", ", settings.InitialMasterNodes)} are here");
    }

    var collapsed = string.Join(' ', (statement ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    var normalized = collapsed.ToLowerInvariant();
    if (normalized == "select current_user")
    {
        return Rows(["current_user"], [[user!]]);
    }

    var (needs, superuserOnly) = Privileges.Of(collapsed, user!);
    if (user != Users.Superuser)
    {
        if (superuserOnly)
        {
            return Error(401, 4010, $"User \"{user}\" is not authorized to execute the statement. Superuser permissions are required");
        }

        if (needs is not null && !Privileges.Covers(users.GrantsOf(user!), needs))
        {
            return Error(401, 4011, $"Missing '{needs.Type}' privilege for user '{user}'");
        }
    }

    if (Privileges.DecommissionTarget(collapsed) is { } node)
    {
        if (node != settings.NodeName)
        {
            return Error(400, 4000, $"the CrateDB double decommissions only the node that receives the statement ({settings.NodeName}), not {node}");
        }

        // A real node moves its shards away first; the double has none, so it ends a moment after it answered.
        _ = Task.Run(async () =>
        {
            await Task.Delay(1500);
            Console.WriteLine($"crate double {settings.NodeName}: decommissioned, stopping");
            Environment.Exit(0);
        });
        return Rows([], []);
    }

    var userStatement = UserStatement().Match(normalized);
    return normalized switch
    {
        "select name from sys.nodes" => Rows(["name"], members.Select(m => new object[] { m })),
        "select count(*) from sys.nodes" => Rows(["count(*)"], [[members.Count]]),
        // No shards, so nothing to allocate but the moment after a node came or went, when the double says "not green"
        // for a while, as a cluster does while it recovers replicas: a script that waits for green must wait.
        "select count(*) from sys.health where health <> 'green'" => Rows(["count(*)"], [[cluster.Settling() ? 1 : 0]]),
        "set global transient \"cluster.routing.allocation.enable\" = 'new_primaries'" => Rows([], []),
        "reset global \"cluster.routing.allocation.enable\"" => Rows([], []),
        "set global transient \"cluster.graceful_stop.min_availability\" = 'full'" => Rows([], []),
        "reset global \"cluster.graceful_stop.min_availability\"" => Rows([], []),

        "select count(*) from sys.users where name = ?" when args is [{ ValueKind: JsonValueKind.String } name] =>
            Rows(["count(*)"], [[users.Exists(name.GetString()!) ? 1 : 0]]),
        _ when userStatement.Success && args is [{ ValueKind: JsonValueKind.String } password] =>
            userStatement.Groups["verb"].Value == "create" == users.Exists(userStatement.Groups["name"].Value)
                ? Error(409, 4091, $"user {userStatement.Groups["name"].Value} {(users.Exists(userStatement.Groups["name"].Value) ? "already exists" : "does not exist")}")
                : SetUser(userStatement.Groups["name"].Value, password.GetString()!),
        _ when Privileges.ParseGrant(collapsed) is { } grant =>
            users.Add(grant.User, grant.Grants) ? Rows([], []) : Error(404, 4043, $"Role '{grant.User}' does not exist"),
        _ when tables.Run(collapsed) is { } answer => answer,
        _ => Error(400, 4000, $"the CrateDB double does not know `{statement}`: it knows the node list, the node count, sys.health's non-green count, limiting and restoring shard allocation and the graceful stop's availability, decommissioning itself, users (sys.users, CREATE/ALTER USER, GRANT), and tables of one integer column (CREATE TABLE, INSERT, SELECT count(*))"),
    };
}

HttpResponse SetUser(string name, string password)
{
    users.Set(name, password);
    return Rows([], []);
}

static HttpResponse Rows(string[] cols, IEnumerable<object[]> rows)
{
    var list = rows.ToList();
    // A statement that returns no rows (SET, RESET, ALTER) answers rowcount 1, as CrateDB's "SET OK, 1 row affected".
    return new HttpResponse(200, JsonSerializer.Serialize(new { cols, rows = list, rowcount = cols.Length == 0 ? 1 : list.Count, duration = 0 }) + "\n", "application/json");
}

static HttpResponse Error(int status, int code, string message) =>
    new(status, JsonSerializer.Serialize(new { error = new { message, code } }) + "\n", "application/json");

// Transport: the nodes greet each other, which is how the doubles know their cluster.
async Task Transport(Socket listener)
{
    while (true)
    {
        var client = await listener.AcceptAsync();
        _ = Task.Run(() => cluster.Accept(client));
    }
}

// psql: accept and hold the connection, reading and dropping whatever comes.
static async Task Sink(Socket listener)
{
    while (true)
    {
        var client = await listener.AcceptAsync();
        _ = Task.Run(async () =>
        {
            using var _ = client;
            var buffer = new byte[4096];
            try
            {
                while (await client.ReceiveAsync(buffer, SocketFlags.None) > 0)
                {
                }
            }
            catch (SocketException)
            {
            }
        });
    }
}

internal static partial class Program
{
    [System.Text.RegularExpressions.GeneratedRegex(@"^(?<verb>create|alter) user (?<name>[a-z_][a-z0-9_]*) (with|set) \(password = \?\)$")]
    private static partial System.Text.RegularExpressions.Regex UserStatement();
}
