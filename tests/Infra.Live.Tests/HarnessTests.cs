using System.Diagnostics;
using System.Text.Json;
using Infra.Live.Tests.Harness;

namespace Infra.Live.Tests;

/// <summary>The harness proving itself, before any rendered config is involved: hand-written fixtures only.</summary>
public sealed class HarnessTests(ITestOutputHelper output)
{
    private const string AppConfig = """
        # fixture for the harness test, written by hand (not a rendered config)
        crate.hosts = {crate}:4200
        http_port = 9210
        instance = host1-app-9210
        health_path = /health
        """;

    [LiveFact]
    public async Task App_in_one_host_serves_the_outside_and_everything_is_gone_afterwards()
    {
        string prefix = "";
        var ids = new List<string>();
        var clock = Stopwatch.StartNew();
        var teardown = new Stopwatch();
        await NetnsLab.Run(output, async lab =>
        {
            prefix = lab.Prefix;
            var host1 = lab.AddHost("host1");
            var host2 = lab.AddHost("host2");
            ids.AddRange([host1.NetId, host2.NetId, lab.Outside.NetId, lab.Switch.NetId]);
            output.WriteLine($"lab up in {clock.ElapsedMilliseconds} ms: {host1}, {host2}, outside {lab.Outside.Address}");

            var config = Path.Combine(lab.HostDir(host1), "app.conf");
            File.WriteAllText(config, AppConfig.Replace("{crate}", host2.Address));
            var app = lab.Start(host1, "app-9210", Binaries.TestApp, [config]);
            var ready = await NetnsLab.WaitForPort(lab.Outside, host1.Address, 9210, TimeSpan.FromSeconds(10));
            output.WriteLine($"app answering {ready.TotalMilliseconds:F0} ms after start; its log: {app.LogTail(1)}");
            Assert.StartsWith("net:[", host1.NetId);
            Assert.Contains(lab.ProcessesIn(host1), p => p.Pid == app.Pid);
            Assert.DoesNotContain(lab.ProcessesIn(host2), p => p.Pid == app.Pid);

            lab.Note("load");
            var load = lab.StartLoad(lab.Outside, $"http://{host1.Address}:9210/", count: 2000, concurrency: 8);
            var result = await load.Result(TimeSpan.FromSeconds(30));
            output.WriteLine(result.ToString());
            Assert.Equal(2000, result.Sent);
            Assert.Equal(2000, result.Ok);
            Assert.Equal(2000, result.Statuses["200"]);
            Assert.Equal(2000, result.ServedBy["host1-app-9210"]);

            // host2 runs nothing: the app sees its crate host refuse, which proves /__crate can tell.
            var crate = JsonDocument.Parse((await lab.Get(lab.Outside, $"http://{host1.Address}:9210/__crate")).Body);
            Assert.False(crate.RootElement.GetProperty("crate")[0].GetProperty("reachable").GetBoolean());

            // The namespaces are separate hosts: host2 has nothing on 9210, and the root namespace cannot reach the lab.
            Assert.False(await NetnsLab.CanConnect(lab.Outside, host2.Address, 9210, TimeSpan.FromSeconds(1)));
            Assert.True(await NetnsLab.CanConnect(host2, host1.Address, 9210, TimeSpan.FromSeconds(1)));

            lab.Note("kill");
            var left = await app.Kill();
            lab.Note("killed");
            Assert.Empty(left);
            Assert.False(await NetnsLab.CanConnect(lab.Outside, host1.Address, 9210, TimeSpan.FromSeconds(1)));
            lab.Start(host1, "app-9210-again", Binaries.TestApp, [config]);
            await NetnsLab.WaitForPort(host1, "127.0.0.1", 9210, TimeSpan.FromSeconds(10));
            teardown.Start();
        });

        output.WriteLine($"teardown: {teardown.ElapsedMilliseconds} ms");
        output.WriteLine($"whole test including teardown: {clock.ElapsedMilliseconds} ms");
        Assert.Empty(Directory.GetFiles("/run/netns", prefix + "*"));
        Assert.DoesNotContain(ProcessTable.Snapshot(), p => ids.Contains(p.NetId));
        Assert.DoesNotContain(File.ReadAllLines("/proc/self/mountinfo"), l => l.Contains(prefix, StringComparison.Ordinal));
    }

    [LiveFact("nft")]
    public async Task Crate_double_reads_crate_yml_and_nftables_in_a_host_decides_who_reaches_it()
    {
        await NetnsLab.Run(output, async lab =>
        {
            var host1 = lab.AddHost("host1");
            var host2 = lab.AddHost("host2");
            var dir = Path.Combine(lab.HostDir(host2), "crate-4200");
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "crate.yml"), $"""
                # fixture for the harness test, written by hand (not a rendered config)
                cluster.name: microblog-lab
                node.name: host2-crate-4200
                network.host: {host2.Address}
                http:
                  port: 4200
                transport.tcp.port: 4300
                psql.port: 5432
                discovery.seed_hosts: ["{host2.Address}:4300"]
                """);
            lab.Start(host2, "crate-4200", Binaries.CrateDouble, ["-Cpath.conf=" + dir]);
            await NetnsLab.WaitForPort(host1, host2.Address, 4200, TimeSpan.FromSeconds(10));
            var info = JsonDocument.Parse((await lab.Get(host1, $"http://{host2.Address}:4200/")).Body).RootElement;
            Assert.Equal("host2-crate-4200", info.GetProperty("name").GetString());
            Assert.True(info.GetProperty("double").GetBoolean());
            foreach (var port in new[] { 4300, 5432 })
            {
                Assert.True(await NetnsLab.CanConnect(host1, host2.Address, port, TimeSpan.FromSeconds(1)), $"port {port} from host1");
            }

            var rules = Path.Combine(lab.HostDir(host2), "nftables.conf");
            File.WriteAllText(rules, $$"""
                flush ruleset
                table inet filter {
                  chain input {
                    type filter hook input priority 0; policy drop;
                    iif lo accept
                    ct state established,related accept
                    ip saddr {{host1.Address}} tcp dport { 4200, 4300, 5432 } accept
                  }
                }
                """);
            lab.ApplyNftables(host2, rules);
            Assert.True(await NetnsLab.CanConnect(host1, host2.Address, 4200, TimeSpan.FromSeconds(1)));
            Assert.False(await NetnsLab.CanConnect(lab.Outside, host2.Address, 4200, TimeSpan.FromMilliseconds(500)));
            Assert.False(await NetnsLab.CanConnect(lab.Outside, host2.Address, 5432, TimeSpan.FromMilliseconds(500)));

            lab.LinkDown(host2);
            Assert.False(await NetnsLab.CanConnect(host1, host2.Address, 4200, TimeSpan.FromMilliseconds(500)));
            lab.LinkUp(host2);
            await NetnsLab.WaitForPort(host1, host2.Address, 4200, TimeSpan.FromSeconds(5));
        });
    }
}
