using System.Text.Json;
using System.Text.RegularExpressions;
using Infra.Cli.Tests.Support;

namespace Infra.Cli.Tests;

public class DiffTests
{
    /// <summary>The section of the diff output for one file: its action line and its unified diff.</summary>
    private static string Section(string output, string file)
    {
        var start = output.IndexOf($"\n{file}: ", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no section for {file} in:\n{output}");
        var next = Regex.Match(output[(start + 1)..], @"\n(?=[a-z][\w-]*/\S+: (changed|new|removed) -> |\n)");
        return next.Success ? output.Substring(start + 1, next.Index) : output[(start + 1)..];
    }

    [Fact]
    public void Two_host_to_three_host_shows_every_host_file_and_what_it_costs()
    {
        var result = InfraCli.Run("diff", "two-host", "three-host");

        Assert.True(result.Exit == 1, result.ToString());
        var output = result.Out;
        Assert.StartsWith("two-host -> three-host (stacks/Pulumi.two-host.yaml -> stacks/Pulumi.three-host.yaml)\n", output);
        Assert.Contains("\nhost3: added (192.0.2.13: nginx 80, haproxy 9100, app 9210, crate 4200)\n", output);
        Assert.Contains("host3/nginx/nginx.conf: new -> create host3-nginx\n", output);
        Assert.Contains("host3/app-9210/app.conf: new -> create host3-app-9210\n", output);

        foreach (var host in new[] { "host1", "host2" })
        {
            Assert.Contains($"\n{host}: 4 files changed\n", output);

            var haproxy = Section(output, $"{host}/haproxy/haproxy.cfg");
            Assert.StartsWith($"{host}/haproxy/haproxy.cfg: changed -> reload {host}-haproxy (no dropped requests)\n--- two-host/{host}/haproxy/haproxy.cfg\n+++ three-host/{host}/haproxy/haproxy.cfg\n@@ -", haproxy);
            Assert.Contains("\n+    server host3-app-9210 192.0.2.13:9210 minconn 5 maxconn 50 check\n", haproxy);
            Assert.Contains("\n-    fullconn 10\n+    fullconn 15\n", haproxy);
            Assert.Equal(3, Regex.Matches(haproxy, @"^[+-][^+-]", RegexOptions.Multiline).Count);

            var app = Section(output, $"{host}/app-9210/app.conf");
            Assert.StartsWith($"{host}/app-9210/app.conf: changed -> rolling restart {host}-app-9210 (one host at a time)\n", app);
            Assert.Contains("\n-crate.hosts = 192.0.2.11:4200 192.0.2.12:4200\n+crate.hosts = 192.0.2.11:4200 192.0.2.12:4200 192.0.2.13:4200\n", app);

            var crate = Section(output, $"{host}/crate-4200/crate.yml");
            Assert.StartsWith(
                $"{host}/crate-4200/crate.yml: changed -> rolling restart of {host}-crate-4200 (one CrateDB node at a time: allocation limited to new primaries, " +
                "graceful stop, back in its cluster and every table green before the next)\n", crate);
            Assert.Contains("\n+- 192.0.2.13:4300\n", crate);
            Assert.DoesNotContain("cluster.name", crate);

            var firewall = Section(output, $"{host}/nftables.conf");
            Assert.StartsWith($"{host}/nftables.conf: changed -> open on {host} what the rules newly admit at once (nft add element), withdraw what they no longer admit at the end of the update, once what used it is gone (nft -f swaps the ruleset atomically)\n", firewall);
            Assert.Contains("192.0.2.13", firewall);

            Assert.DoesNotContain($"{host}/nginx/nginx.conf", output);
        }

        var lb = Section(output, "front/lb/haproxy.cfg");
        Assert.StartsWith("front/lb/haproxy.cfg: changed -> reload front-lb (no dropped requests)\n", lb);
        Assert.Contains("\n+    server host3-nginx 192.0.2.13:80 check\n", lb);

        Assert.Contains(
            "\nCrateDB data, in order:\n  host3-crate-4200 joins the cluster (shards move to it as CrateDB rebalances)\n",
            output);
        Assert.Contains(
            "\nsummary: 1 host added, 9 files changed on 3 hosts, 3 reloads, 4 rolling restarts, 2 firewall updates, 5 creates, 0 destroys\n" +
            "rolling restart order: host1-crate-4200, then host2-crate-4200, then host1-app-9210, then host2-app-9210 (each healthy before the next)\n",
            output);
    }

    [Fact]
    public void A_third_app_on_single_host_is_applied_by_resize_not_a_group_restart()
    {
        using var project = new TempProject()
            .WithStack("single-host", TempProject.CommittedStack("single-host"))
            .WithStack("single-host-3", TempProject.CommittedStack("single-host").Replace("app: 2", "app: 3"));

        var result = project.Run("diff", "single-host", "single-host-3");

        Assert.True(result.Exit == 1, result.ToString());
        var supervisord = Section(result.Out, "localhost/supervisord.conf");
        Assert.StartsWith("localhost/supervisord.conf: changed -> bin/supervisorctl resize, then update, on localhost (a new process count starts or stops only those processes; any other program change restarts its group whole)\n", supervisord);
        Assert.Contains("\n-numprocs=2\n+numprocs=3\n", supervisord);
        Assert.Contains("localhost/app-9212/app.conf: new -> create localhost-app-9212\n", result.Out);
        Assert.DoesNotContain("localhost/bin/", result.Out);
        Assert.DoesNotContain("localhost/lib/", result.Out);
    }

    [Fact]
    public void Keep_names_also_shows_what_the_stack_name_changes()
    {
        var result = InfraCli.Run("diff", "two-host", "three-host", "--keep-names");

        Assert.Equal(1, result.Exit);
        Assert.Contains("\n-cluster.name: microblog-two-host\n", result.Out);
        Assert.Contains("\n+cluster.name: microblog-three-host\n", result.Out);
        Assert.Contains("host1/nginx/nginx.conf: changed -> reload host1-nginx", result.Out);
    }

    [Fact]
    public void Three_host_to_two_host_destroys_the_third_host()
    {
        var result = InfraCli.Run("diff", "three-host", "two-host");

        Assert.Equal(1, result.Exit);
        Assert.Contains("\nhost3: removed (192.0.2.13: nginx 80, haproxy 9100, app 9210, crate 4200)\n", result.Out);
        Assert.Contains("host3/crate-4200/crate.yml: removed -> destroy host3-crate-4200\n", result.Out);
        Assert.Contains("\n-    server host3-app-9210 192.0.2.13:9210 minconn 5 maxconn 50 check\n", result.Out);
        Assert.Contains("1 host removed, 9 files changed on 3 hosts", result.Out);
        Assert.Contains(", 0 creates, 5 destroys\n", result.Out);
    }

    [Fact]
    public void The_same_stack_is_no_difference_and_exit_0()
    {
        var result = InfraCli.Run("diff", "two-host", "stacks/Pulumi.two-host.yaml");

        Assert.Equal(0, result.Exit);
        Assert.Equal("two-host and stacks/Pulumi.two-host.yaml: no difference (stacks/Pulumi.two-host.yaml, stacks/Pulumi.two-host.yaml)\n", result.Out);
    }

    [Fact]
    public void Json_has_every_host_file_action_and_diff()
    {
        var result = InfraCli.Run("diff", "two-host", "three-host", "--json");

        Assert.Equal(1, result.Exit);
        using var json = JsonDocument.Parse(result.Out);
        var root = json.RootElement;
        Assert.False(root.GetProperty("same").GetBoolean());
        Assert.Equal("stacks/Pulumi.two-host.yaml", root.GetProperty("old").GetProperty("file").GetString());
        var hosts = root.GetProperty("hosts").EnumerateArray().ToDictionary(h => h.GetProperty("host").GetString()!);
        Assert.Equal(["front", "host1", "host2", "host3"], hosts.Keys.Order());
        Assert.Equal("added", hosts["host3"].GetProperty("status").GetString());
        Assert.Equal(["host3-nginx", "host3-haproxy", "host3-app-9210", "host3-crate-4200"], hosts["host3"].GetProperty("servicesAdded").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        var app = hosts["host1"].GetProperty("files").EnumerateArray().Single(f => f.GetProperty("path").GetString() == "app-9210/app.conf");
        Assert.Equal("changed", app.GetProperty("status").GetString());
        Assert.Equal("rolling-restart", app.GetProperty("action").GetString());
        Assert.Contains("+crate.hosts = ", app.GetProperty("diff").GetString());
        // Each step with the operation `pulumi preview` shows for it: a reload runs again (an update), a firewall is replaced.
        var steps = root.GetProperty("steps").EnumerateArray().ToLookup(s => s.GetProperty("id").GetString()!, s => s.GetProperty("pulumi").GetString());
        Assert.Equal(["update"], steps["host1-haproxy-reload"]);
        Assert.Equal(["update"], steps["host1-app-9210-config"]);
        Assert.Equal(["replace", "delete-replaced"], steps["host1-nftables-apply"]);
        Assert.Equal(["create"], steps["host3-app-9210-container"]);
        var summary = root.GetProperty("summary");
        Assert.Equal(9, summary.GetProperty("filesChanged").GetInt32());
        Assert.Equal(3, summary.GetProperty("reloads").GetInt32());
        Assert.Equal(4, summary.GetProperty("rollingRestarts").GetInt32());
        Assert.Equal(5, summary.GetProperty("creates").GetInt32());
        Assert.Equal(["host3-crate-4200"], root.GetProperty("cluster").GetProperty("joining").EnumerateArray().Select(n => n.GetString()));
        Assert.Empty(root.GetProperty("cluster").GetProperty("refusals").EnumerateArray());
    }

    [Fact]
    public void Switching_three_host_to_split_role_on_the_same_hosts_is_refused_and_says_how_to_do_it_in_steps()
    {
        var split = TempProject.CommittedStack("three-host")
            .Replace("microblog:layout: colocated", "microblog:layout: split-role", StringComparison.Ordinal)
            .Replace("address: 192.0.2.11\n", "address: 192.0.2.11\n      roles: [proxy]\n", StringComparison.Ordinal)
            .Replace("address: 192.0.2.12\n", "address: 192.0.2.12\n      roles: [app]\n", StringComparison.Ordinal)
            .Replace("address: 192.0.2.13\n", "address: 192.0.2.13\n      roles: [crate]\n", StringComparison.Ordinal);
        using var project = new TempProject().WithStack("three-host", TempProject.CommittedStack("three-host")).WithStack("split", split);

        var result = project.Run("diff", "three-host", "split");

        Assert.True(result.Exit == 2, result.ToString());
        Assert.Contains(
            "\nCrateDB data, in order:\n" +
            "  host2-crate-4200 leaves the cluster: decommissioned, its shards moved to the other nodes before its container goes\n" +
            "  host1-crate-4200 leaves the cluster: decommissioned, its shards moved to the other nodes before its container goes\n" +
            "  refused: host1-crate-4200, host2-crate-4200 are no longer master-eligible after this change",
            result.Out);
        Assert.Contains("error: refused: host1-crate-4200, host2-crate-4200 are no longer master-eligible after this change: 1 of the 3 master-eligible nodes", result.Error);
        Assert.Contains("Do it in steps: remove at most 1 of them per update (host1-crate-4200, then host2-crate-4200)\n", result.Error);
    }

    [Fact]
    public void Removing_a_host_says_its_crate_node_is_decommissioned_after_every_other_step_and_before_its_container_goes()
    {
        using var project = new TempProject()
            .WithStack("three-host", TempProject.CommittedStack("three-host"))
            .WithStack("smaller", TempProject.CommittedStack("three-host").Replace("    - name: host3\n      address: 192.0.2.13\n", "", StringComparison.Ordinal));

        var result = project.Run("diff", "three-host", "smaller");

        Assert.True(result.Exit == 1, result.ToString());
        Assert.Contains("\nCrateDB data, in order:\n  host3-crate-4200 leaves the cluster: decommissioned, its shards moved to the other nodes before its container goes\n", result.Out);
        var decommission = System.Text.RegularExpressions.Regex.Match(result.Out, "  delete          host3-crate-4200-decommission +host3-crate-4200 leaves the cluster: decommissioned \\(once every table is green").Index;
        Assert.True(decommission > 0, result.Out);
        Assert.True(decommission < result.Out.IndexOf("  delete          host3-crate-4200-container ", StringComparison.Ordinal));
        Assert.True(result.Out.IndexOf("  update          host2-crate-4200-restart ", StringComparison.Ordinal) < decommission);
    }

    [Fact]
    public void A_container_change_is_a_replacement()
    {
        using var project = new TempProject()
            .WithStack("prod", TempProject.CommittedStack("two-host"))
            .WithStack("next", TempProject.CommittedStack("two-host").Replace("microblog/app:1.0.0", "microblog/app:1.1.0"));

        var result = project.Run("diff", "prod", "next");

        Assert.Equal(1, result.Exit);
        Assert.Contains("host1-app-9210: container changes (image registry.example.com/microblog/app:1.0.0 -> registry.example.com/microblog/app:1.1.0) -> replace host1-app-9210\n", result.Out);
        Assert.Contains("0 files changed on 0 hosts", result.Out);
        Assert.Contains("2 container replacements", result.Out);
    }

    [Fact]
    public void A_pull_requests_change_is_previewed_with_stack_at_revision()
    {
        using var project = new TempProject();
        project.Git("init", "-q", "-b", "main");
        project.WithStack("prod", TempProject.CommittedStack("two-host")).Commit("two hosts");
        project.WithStack("prod", TempProject.CommittedStack("three-host"));

        var result = project.Run("diff", "prod@main", "prod");

        Assert.True(result.Exit == 1, result.ToString());
        Assert.StartsWith("prod@main -> prod (stacks/Pulumi.prod.yaml@main -> stacks/Pulumi.prod.yaml)\n", result.Out);
        Assert.Contains("--- prod@main/host1/haproxy/haproxy.cfg\n+++ prod/host1/haproxy/haproxy.cfg\n", result.Out);
        Assert.Contains("host3: added", result.Out);
        Assert.DoesNotContain("\n-cluster.name", result.Out);
        Assert.DoesNotContain("is read as stack", result.Out);
    }

    [Fact]
    public void An_unknown_revision_is_trouble_exit_2()
    {
        using var project = new TempProject();
        project.Git("init", "-q");
        project.WithStack("prod", TempProject.CommittedStack("two-host")).Commit("two hosts");

        var result = project.Run("diff", "prod@nope", "prod");

        Assert.Equal(2, result.Exit);
        Assert.Equal("", result.Out);
        Assert.Equal("error: prod@nope: unknown git revision \"nope\" (try a branch, a tag, a commit or HEAD~1)\n", result.Error);
    }

    [Fact]
    public void A_missing_stack_is_trouble_exit_2()
    {
        var result = InfraCli.Run("diff", "two-host", "four-host");

        Assert.Equal(2, result.Exit);
        Assert.StartsWith("error: no stack \"four-host\"", result.Error);
    }

    [Fact]
    public void An_invalid_stack_prints_its_errors_and_is_trouble_exit_2()
    {
        using var project = new TempProject()
            .WithStack("prod", TempProject.CommittedStack("two-host"))
            .WithStack("bad", "config:\n  microblog:layout: colocated\n  microblog:hosts: [\n");

        var result = project.Run("diff", "prod", "bad");

        Assert.Equal(2, result.Exit);
        Assert.Matches(@"stacks/Pulumi\.bad\.yaml:\d+:\d+: error: not valid YAML", result.Error);
    }

    [Fact]
    public void One_stack_is_a_usage_error()
    {
        var result = InfraCli.Run("diff", "two-host");

        Assert.Equal(2, result.Exit);
        Assert.Contains("see: infra diff --help", result.Error);
    }
}
