using System.Text.Json;
using Infra.Topology.Configs;
using Infra.Topology.Model;
using Infra.Topology.Spec;

namespace Infra.Live.Tests.Harness.Containers;

/// <summary>
/// What CrateDB grants to whoever shares a host with it. Every container of a stack runs on its host's network, so
/// every one of them (nginx, haproxy, the apps, the exporters) is a neighbour that can open 127.0.0.1:4200 and the
/// host's own address: none of them may act as anyone without credentials, and the app's credentials may do what the
/// app's grants allow and nothing more. Each probe runs inside the container, with the HTTP client its image has.
/// </summary>
public static class CrateNeighbours
{
    /// <summary>What the superuser would be answered and a stranger must not be: the cluster's node list.</summary>
    private const string Question = """{"stmt":"select name from sys.nodes"}""";

    /// <summary>
    /// `$1` host, `$2` port, `$3` JSON body: POST /_sql with whatever the image has (curl; bash's /dev/tcp in the haproxy
    /// image; busybox wget in the prom/* images), printing the HTTP status code.
    /// </summary>
    private const string Probe = """
        if command -v curl >/dev/null 2>&1; then
          curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary "$3" "http://$1:$2/_sql"
        elif command -v bash >/dev/null 2>&1; then
          bash -c 'exec 3<>"/dev/tcp/$0/$1" || exit 1; printf "POST /_sql HTTP/1.0\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %s\r\n\r\n%s" "$0" "${#2}" "$2" >&3; read -r line <&3; set -- $line; echo "$2"' "$1" "$2" "$3"
        else
          wget -S -O /dev/null --header 'Content-Type: application/json' --post-data "$3" "http://$1:$2/_sql" 2>&1 | sed -n 's/.*HTTP\/1\.[01] \([0-9][0-9][0-9]\).*/\1/p' | head -n 1
        fi
        """;

    /// <summary>
    /// From every container on every host that runs a CrateDB node, each node on that host asked at 127.0.0.1 and at the
    /// host's address without credentials: 401, whatever the container is. Returns how many probes ran.
    /// </summary>
    public static int AskWithoutCredentials(ContainerStack stack, ITestOutputHelper output)
    {
        var answers = new List<string>();
        var wrong = new List<string>();
        foreach (var host in stack.Topology.Hosts)
        {
            var nodes = stack.Topology.On(host.Name, Role.Crate).ToList();
            if (nodes.Count == 0)
            {
                continue;
            }

            foreach (var neighbour in stack.Topology.On(host.Name).Where(i => i.Role != Role.Crate))
            {
                foreach (var node in nodes)
                {
                    foreach (var address in new[] { "127.0.0.1", node.Address }.Distinct())
                    {
                        var code = Ask(stack, neighbour, address, node.Port, Question);
                        answers.Add($"{neighbour.Name} -> {address}:{node.Port} {code}");
                        if (code != "401")
                        {
                            wrong.Add($"{neighbour.Name} asked {node.Name} at {address}:{node.Port} without credentials and got {code}, not 401");
                        }
                    }
                }
            }
        }

        output.WriteLine($"{stack.Plan.Stack}: neighbours of CrateDB without credentials: {string.Join(", ", answers)}");
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        return answers.Count;
    }

    /// <summary>
    /// The app's own credentials, from inside an app container (curl reads them from a config on stdin, never from its
    /// arguments): its own identity, and its tables in schema doc, work; the cluster's tables, user management, cluster
    /// settings and a decommission are refused.
    /// </summary>
    public static void AppCredentialsGrantOnlyTheAppsPrivileges(ContainerStack stack, string password, ITestOutputHelper output)
    {
        var app = stack.Topology.Of(Role.App).First();
        var node = stack.Topology.Of(Role.Crate).First();
        var table = $"doc.neighbours_{Guid.NewGuid():N}";
        (string Statement, string Expected)[] cases =
        [
            ("select current_user", "200"),
            ($"create table {table} (id integer)", "200"),
            ($"insert into {table} (id) values (1)", "200"),
            ($"select count(*) from {table}", "200"),
            ("select name from sys.nodes", "401"),
            ("create user intruder with (password = 'intruder-password')", "401"),
            ("grant AL to microblog", "401"),
            ("set global transient \"cluster.routing.allocation.enable\" = 'none'", "401"),
            ($"alter cluster decommission '{node.Name}'", "401"),
        ];
        var results = cases.Select(c => (c.Statement, c.Expected, Got: AsApp(stack, app, node, password, c.Statement))).ToList();
        output.WriteLine($"{app.Name} as {CrateAccess.User} on {node.Name}: {string.Join("; ", results.Select(r => $"{r.Statement} -> {r.Got}"))}");
        Assert.All(results, r => Assert.True(r.Got.StartsWith(r.Expected, StringComparison.Ordinal), $"{r.Statement}: expected {r.Expected}, got {r.Got}"));
    }

    /// <summary>The status code a container gets for <paramref name="body"/> at address:port, asked with the client its image has.</summary>
    public static string Ask(ContainerStack stack, Instance container, string address, int port, string body)
    {
        var host = stack.HostOf(container.Name);
        var shell = stack.Lab.Docker(host, "exec", container.Name, "sh", "-c", "true");
        if (shell.Ok)
        {
            var result = stack.Lab.Docker(host, "exec", container.Name, "sh", "-c", Probe, "sh", address, port.ToString(System.Globalization.CultureInfo.InvariantCulture), body);
            return result.Stdout.Trim() is { Length: > 0 } code ? code : $"no answer ({result})";
        }

        // An image without a shell (the nginx exporter's, FROM scratch): the same network namespace entered from the host.
        var pid = stack.Lab.Docker(host, "inspect", "-f", "{{.State.Pid}}", container.Name).Stdout.Trim();
        var entered = Shell.Run("nsenter", ["--target", pid, "--net", "--", "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
            "-H", "Content-Type: application/json", "--data-binary", body, $"http://{Endpoints.Format(address, port)}/_sql"]);
        return entered.Stdout.Trim() is { Length: > 0 } entry ? entry : $"no answer ({entered})";
    }

    /// <summary>A statement as the app's CrateDB user: the status code and CrateDB's answer.</summary>
    private static string AsApp(ContainerStack stack, Instance app, Instance node, string password, string statement)
    {
        var body = JsonSerializer.Serialize(new { stmt = statement });
        var config = $"user = \"{CrateAccess.User}:{password}\"\n";
        var result = LabDocker.Run(stack.HostOf(app.Name).DockerSocket,
            ["exec", "-i", app.Name, "curl", "-s", "-K", "-", "-w", "\n%{http_code}", "-X", "POST", "-H", "Content-Type: application/json",
                "--data-binary", body, $"http://{Endpoints.Format(node.Address, node.Port)}/_sql"], config);
        var lines = result.Stdout.TrimEnd().Split('\n');
        return $"{lines[^1]} {string.Join(' ', lines[..^1]).Trim()}";
    }
}
