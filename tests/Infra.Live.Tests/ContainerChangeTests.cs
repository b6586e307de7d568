using System.Collections.Concurrent;
using System.Diagnostics;
using Infra.Live.Tests.Harness;
using Infra.Live.Tests.Harness.Containers;
using Infra.Topology.Plan;
using Infra.Topology.Spec;

namespace Infra.Live.Tests;

/// <summary>
/// Stacks deployed as containers from nothing (with <see cref="ContainerTierTests"/>' first-deploy checks), then changed
/// exactly as their plans order it, under steady load where traffic is the question: a first deploy probed from
/// outside, HTTPS, the firewall, a host added, a new app image, a new CrateDB image.
/// </summary>
public sealed class ContainerChangeTests(ITestOutputHelper output)
{
    private const string Certificate = "/etc/microblog/tls/front.pem";

    /// <summary>
    /// One two-host stack through its life: the first deploy (nothing but the front door answers from outside while it
    /// runs), HTTPS and the firewall, then a host joins, a new app image and a new CrateDB image, each under load.
    /// </summary>
    [LiveFact("dockerd", "sshd", "ssh", "ssh-agent", "ssh-keygen", "sudo", "useradd", "unshare", "debootstrap", "nft", "openssl", "curl")]
    public Task Two_host_first_deploy_shows_only_the_front_door_then_gains_a_host_a_new_app_image_and_a_new_crate_image_under_load()
    {
        var spec = TwoHostWithTls(yaml => yaml);
        return ContainerLab.Run(output, ContainerStack.HostNames(spec), ImageNames.Of(spec), async lab =>
        {
            // The operator's certificate on the load balancer host, made here (certificate and key in one PEM).
            var pem = MakeCertificate(lab.Net.RunDir);
            Check(lab.AsRoot(lab["front"], $"mkdir -p /etc/microblog/tls && cat > {Certificate} && chmod 600 {Certificate}", pem));

            // Every port but the front door's, from outside, over and over while the plan runs.
            var answered = new ConcurrentBag<string>();
            var rounds = 0;
            var targets = new List<(string What, string Address, int Port)>();
            var deploying = Task.Run(() => (Stack: ContainerStack.Deploy(lab, spec, out var runs), Runs: runs));
            var probing = Task.Run(async () =>
            {
                while (!deploying.IsCompleted)
                {
                    if (targets.Count == 0)
                    {
                        targets.AddRange(ContainerStack.Place(lab, spec).Instances
                            .Where(i => i.Role != Role.LoadBalancer)
                            .SelectMany(i => FirewallMatrix.PortsOf(i).Select(p => ($"{i.Name} {p.Kind}", i.Address, p.Port))));
                    }

                    var results = await Task.WhenAll(targets.Select(async t => (t, await NetnsLab.CanConnect(lab.Net.Outside, t.Address, t.Port, TimeSpan.FromMilliseconds(150)))));
                    foreach (var (t, ok) in results.Where(r => r.Item2))
                    {
                        answered.Add($"{t.What} :{t.Port}");
                    }

                    rounds++;
                }
            });
            var (stack, firstRuns) = await deploying;
            await probing;
            output.WriteLine($"first deploy: {targets.Count} ports probed from outside in {rounds} rounds while {stack.Plan.Steps.Count} steps ran; answered: {(answered.IsEmpty ? "none" : string.Join(", ", answered.Distinct()))}");
            Assert.True(rounds >= 10, $"only {rounds} probe rounds");
            Assert.Empty(answered);

            await FirstDeploy.Verify(stack, firstRuns, output);

            var https = Curl(lab, $"https://{stack.Topology.FrontDoor[0].Address}:443/health");
            var http = Curl(lab, $"http://{stack.Topology.FrontDoor[0].Address}:80/health");
            output.WriteLine($"front door: https {https}, http {http}");
            Assert.Equal("200", https);
            Assert.Equal("200", http);

            await FirewallMatrix.PortsAnswerExactlyTheirWiredSources(lab.Net, stack.Topology, output);

            // The first update after upgrading from the release that replaced a step whenever a file or container changed
            // (what makes each run again was its triggers) and stopped a node in a `-stop` step before its container: each
            // write, ready wait, reload, restart and check is replaced once, runs its create (a node's ready becomes its
            // guard), each stop step goes (it has no delete script), and none stops or restarts anything or touches a file.
            var earlier = EarlierRelease(stack.State, stack.Plan);
            var started = stack.Plan.Services.ToDictionary(s => s.Name, s => StartedAt(lab, stack, s.Name));
            var times = stack.Plan.Hosts.SelectMany(h => h.Files.Select(f => (Host: h.Host.Name, f.HostPath))).ToDictionary(f => f, f => Mtime(lab, f.Host, f.HostPath));
            var upgrade = ContainerStack.Attach(lab, spec, earlier).Apply(spec);
            output.WriteLine($"the first update after the upgrade: {string.Join(", ", upgrade.Select(r => $"{r.Change.ToString().ToLowerInvariant()} {r.Id}"))}");
            var stops = earlier.Steps.Where(s => s.Id.EndsWith("-stop", StringComparison.Ordinal)).Select(s => s.Id).ToList();
            Assert.NotEmpty(stops);
            Assert.Equal(
                earlier.Steps.OfType<CommandStep>().Where(c => c.Triggers.Count > 0 && c.Purpose is not (CommandPurpose.ApplyFirewall or CommandPurpose.Gate) && !stops.Contains(c.Id)).Select(c => c.Id).Order(),
                upgrade.Where(r => r.Change == StepChangeKind.Replace).Select(r => r.Id).Order());
            Assert.Equal(stops.Order(), upgrade.Where(r => r.Change != StepChangeKind.Replace).Select(r => r.Id).Order());
            Assert.All(upgrade.Where(r => stops.Contains(r.Id)), r => Assert.Equal(StepChangeKind.Delete, r.Change));
            Assert.All(started, s => Assert.Equal(s.Value, StartedAt(lab, stack, s.Key)));
            Assert.All(times, t => Assert.Equal(t.Value, Mtime(lab, t.Key.Host, t.Key.HostPath)));
            Assert.All(upgrade.Where(r => r.Id.EndsWith("-restart", StringComparison.Ordinal)), r => Assert.Contains("no restart needed", r.Output, StringComparison.Ordinal));

            // A host joins: every existing container stays, every changed file is rewritten in place and reloaded.
            var before = stack.Plan;
            var ids = before.Services.ToDictionary(s => s.Name, s => stack.Inspect(s.Name).Id);
            var inodes = before.Hosts.SelectMany(h => h.Files.Select(f => (Host: h.Host.Name, f.HostPath))).ToDictionary(f => f, f => Inode(lab, f.Host, f.HostPath));
            await lab.AddHosts(["host3"]);
            var grown = TwoHostWithTls(yaml => yaml + Host3);
            var (runs, load) = await Changes.UnderLoad(stack, "gain-host3", () => stack.Apply(grown), output);
            output.WriteLine($"two-host gains host3: {runs.Count} steps; {load}");
            Assert.Equal(0, load.Failed);
            // Nothing goes: the firewalls alone are replaced, and the gate that orders their versions (host3 admitted at once;
            // the old rulesets retired at the end, withdrawing nothing).
            Assert.DoesNotContain(runs, r => r.Change is StepChangeKind.Delete
                || (r.Change is StepChangeKind.Replace or StepChangeKind.Retire && !r.Id.EndsWith("-nftables-apply", StringComparison.Ordinal) && r.Id != StepGraph.AccessOpenedStep));
            Assert.All(ids, id => Assert.Equal(id.Value, stack.Inspect(id.Key).Id));
            var oldFiles = before.Hosts.SelectMany(h => h.Files.Select(f => (Host: h.Host.Name, File: f))).ToDictionary(f => (f.Host, f.File.HostPath), f => f.File);
            var changed = stack.Plan.Hosts.SelectMany(h => h.Files.Select(f => (Host: h.Host.Name, File: f)))
                .Where(f => oldFiles.TryGetValue((f.Host, f.File.HostPath), out var old) && old.Sha256 != f.File.Sha256)
                .ToList();
            Assert.NotEmpty(changed);
            foreach (var (host, file) in changed)
            {
                Assert.Equal(inodes[(host, file.HostPath)], Inode(lab, host, file.HostPath));
                if (file.ContainerPath is { } inContainer)
                {
                    var seen = lab.Docker(lab[host], "exec", file.File.Instance!, "cat", inContainer);
                    // As delivered: the runner fills in the lab's secrets where the file carries their placeholders.
                    Assert.True(seen.Stdout == Topology.Spec.Secrets.Fill(file.File.Content, LabDeployTarget.Secrets), $"{file.File.Instance} does not see the new {inContainer}");
                }
            }

            Assert.Contains(runs, r => r.Id == "host1-haproxy-reload");
            Assert.Contains(runs, r => r.Id == "front-lb-reload");
            Assert.True(load.ServedBy.GetValueOrDefault("host3-app-9210") > 0, "host3's app served nothing");

            // A new app image, four apps: one at a time, then again in waves of two (microblog:rollout.maxUnavailable 50%):
            // each wave healthy before the next, never more apps down than the wave, the wall time of each printed.
            var apps = stack.Plan.Services.Where(s => s.Role == Role.App).Select(s => s.Name).ToList();
            Assert.Equal(4, apps.Count);
            var took = new Dictionary<string, TimeSpan>();
            foreach (var (version, maxUnavailable, wave) in new[] { ("1.1.0", "1", 1), ("1.2.0", "50%", 2) })
            {
                foreach (var host in lab.Hosts)
                {
                    Check(lab.Docker(host, "tag", "registry.example.com/microblog/app:1.0.0", $"registry.example.com/microblog/app:{version}"));
                }

                var released = TwoHostWithTls(yaml => yaml.Replace("microblog/app:1.0.0", $"microblog/app:{version}", StringComparison.Ordinal) + Host3 + Rollout(maxUnavailable));
                var down = 0;
                using (var watch = Watch(stack, apps, n => down = Math.Max(down, n)))
                {
                    (runs, load) = await Changes.UnderLoad(stack, $"app-release-{version}", () =>
                    {
                        var clock = Stopwatch.StartNew();
                        var applied = stack.Apply(released);
                        took[maxUnavailable] = clock.Elapsed;
                        return applied;
                    }, output);
                }

                var replaced = runs.Where(r => r.Change == StepChangeKind.Replace && r.Id.EndsWith("-container", StringComparison.Ordinal)).Select(r => r.Id).ToList();
                output.WriteLine($"app {version}, at most {maxUnavailable} down at once: {string.Join(", ", replaced)}; at most {down} app(s) seen down at once; {load}");
                Assert.Equal(0, load.Failed);
                Assert.Equal(wave, down);
                Assert.Equal(apps.Select(a => $"{a}-container").Order(), replaced.Order());
                Assert.All(apps, a => Assert.Equal($"registry.example.com/microblog/app:{version}", stack.Inspect(a).Image));
            }

            output.WriteLine($"a release of {apps.Count} apps: {took["1"].TotalSeconds:F1} s one at a time, {took["50%"].TotalSeconds:F1} s in waves of two");

            // A new CrateDB image: each node is replaced on its volume, back in the cluster before the next; its data stays.
            var nodes = stack.Plan.Services.Where(s => s.Role == Role.Crate).Select(s => s.Name).ToList();
            var marks = nodes.ToDictionary(n => n, n => Marker(lab, stack, n));
            var nextCrate = spec.Images.Crate + "-next";
            foreach (var host in lab.Hosts)
            {
                Check(lab.Docker(host, "tag", spec.Images.Crate, nextCrate));
            }

            var upgraded = TwoHostWithTls(yaml => yaml.Replace("microblog/app:1.0.0", $"microblog/app:1.2.0\n    crate: {nextCrate}", StringComparison.Ordinal) + Host3 + Rollout("50%"));
            var nodeIds = nodes.ToDictionary(n => n, n => stack.Inspect(n).Id);
            runs = stack.Apply(upgraded);
            output.WriteLine($"new crate image: {string.Join(", ", runs.Select(r => $"{r.Change.ToString().ToLowerInvariant()} {r.Id}"))}");
            // Each node stops gracefully (its guard's old version goes: it hands its primaries over) before its container is
            // replaced, and rejoins (the guard's new version) after.
            Assert.Equal(nodes.SelectMany(Guarded), runs.Where(r => nodes.Any(n => r.Id.StartsWith(n + "-", StringComparison.Ordinal))).Select(r => $"{r.Change} {r.Id}"));
            Assert.Contains(runs, r => r.Id == "check-crate-cluster");
            Assert.All(nodes, n =>
            {
                Assert.NotEqual(nodeIds[n], stack.Inspect(n).Id);
                Assert.Equal(marks[n], Marker(lab, stack, n));
            });

            // The same stack file, and the crate image's name now has a new id on every host (a tag pulled again, a rebuild):
            // a replacement the plan does not model. Each node's container is replaced all the same, through its graceful
            // stop before and its rejoin after, one node at a time; nothing else is replaced, the data stays.
            var context = Path.Combine(lab.Net.RunDir, "crate-rebuilt");
            Directory.CreateDirectory(context);
            File.WriteAllText(Path.Combine(context, "Dockerfile"), $"FROM {nextCrate}\nLABEL org.example.microblog.lab=rebuilt\n");
            foreach (var host in lab.Hosts)
            {
                var was = lab.Docker(host, "image", "inspect", "--format", "{{.Id}}", nextCrate);
                Check(lab.Docker(host, "build", "-q", "-t", nextCrate, context));
                Assert.NotEqual(was.Stdout, lab.Docker(host, "image", "inspect", "--format", "{{.Id}}", nextCrate).Stdout);
            }

            nodeIds = nodes.ToDictionary(n => n, n => stack.Inspect(n).Id);
            var since = DateTime.UtcNow;
            runs = stack.Apply(upgraded);
            output.WriteLine($"new crate image id under the same name: {string.Join(", ", runs.Select(r => $"{r.Change.ToString().ToLowerInvariant()} {r.Id}"))}");
            Assert.Equal(nodes.SelectMany(Guarded), runs.Where(r => r.Change != StepChangeKind.Run).Select(r => $"{r.Change} {r.Id}"));
            Assert.All(nodes, n =>
            {
                Assert.NotEqual(nodeIds[n], stack.Inspect(n).Id);
                Assert.Equal(marks[n], Marker(lab, stack, n));
            });
            var statements = Changes.Statements(lab, nodes.Select(n => (stack.Topology.Instance(n).Host, n)), since);
            output.WriteLine(string.Join('\n', statements.Select(s => $"{s.Time:HH:mm:ss.fff} {s.Text}")));
            Assert.Equal(
                nodes.SelectMany(n => new[]
                {
                    $"{n} SET GLOBAL TRANSIENT \"cluster.routing.allocation.enable\" = 'new_primaries'",
                    $"{n} RESET GLOBAL \"cluster.graceful_stop.min_availability\"",
                    $"{n} ALTER CLUSTER DECOMMISSION '{n}'",
                    $"{n} RESET GLOBAL \"cluster.routing.allocation.enable\"",
                }),
                statements.Select(s => s.Text).Where(s => !s.Contains(" select ", StringComparison.Ordinal)));
        });
    }

    /// <summary>A third host with two apps: the stack's four apps roll in waves.</summary>
    private const string Host3 = "    - name: host3\n      address: 192.0.2.13\n      instances:\n        app: 2\n";

    private static string Rollout(string maxUnavailable) => $"  microblog:rollout:\n    maxUnavailable: \"{maxUnavailable}\"\n";

    /// <summary>two-host with a TLS certificate on its load balancer, and <paramref name="edit"/>.</summary>
    private static StackSpec TwoHostWithTls(Func<string, string> edit) =>
        Stacks.Edited("two-host", yaml => edit(yaml.Replace("  microblog:loadBalancer:\n", $"  microblog:loadBalancer:\n    tlsCertificate: {Certificate}\n", StringComparison.Ordinal)));

    /// <summary>
    /// single-host through its life: the first deploy; a new CrateDB image keeps each node's data, and the node whose data
    /// folder is big makes the crate image's entrypoint take its time (`chown -R` of /data at every start), which the
    /// ready step sees and reports on the path users run (that a chown longer than the whole health wait is waited for,
    /// ReadyWaitTests shows in a moment: here it would cost its minutes); then haproxy, the front door here, moves to
    /// port 80, below 1024, which the haproxy image's user (uid 99) cannot bind on the host's network.
    /// </summary>
    [LiveFact("dockerd", "sshd", "ssh", "ssh-agent", "ssh-keygen", "sudo", "useradd", "unshare", "debootstrap", "nft")]
    public Task Single_host_comes_up_keeps_its_crate_data_through_a_new_image_and_the_chown_of_a_big_data_folder_then_serves_haproxy_on_port_80()
    {
        var spec = Stacks.Spec("single-host");
        return ContainerLab.Run(output, ContainerStack.HostNames(spec), ImageNames.Of(spec), async lab =>
        {
            var stack = ContainerStack.Deploy(lab, spec, out var firstRuns);
            await FirstDeploy.Verify(stack, firstRuns, output);
            var nodes = stack.Plan.Services.Where(s => s.Role == Role.Crate).Select(s => s.Name).ToList();
            var marks = nodes.ToDictionary(n => n, n => Marker(lab, stack, n));
            var ids = nodes.ToDictionary(n => n, n => stack.Inspect(n).Id);
            // Many small files on the first node's volume, as a node with data has: its next start chowns every one.
            var big = nodes[0];
            var fill = lab.Docker(lab.Hosts[0], "exec", big, "sh", "-c", $"mkdir -p /data/data/filler && cd /data/data/filler && seq 1 {FillerFiles} | xargs touch && ls | wc -l");
            Check(fill);
            var next = spec.Images.Crate + "-next";
            Check(lab.Docker(lab.Hosts[0], "tag", spec.Images.Crate, next));

            var runs = stack.Apply(Stacks.Edited("single-host", yaml => yaml.Replace("  microblog:images:\n", $"  microblog:images:\n    crate: {next}\n", StringComparison.Ordinal)));

            output.WriteLine($"single-host, new crate image: {string.Join(", ", runs.Select(r => $"{r.Change.ToString().ToLowerInvariant()} {r.Id} ({r.Took.TotalSeconds:F1} s)"))}; markers {string.Join(", ", marks.Values)}");
            Assert.All(nodes, n =>
            {
                Assert.NotEqual(ids[n], stack.Inspect(n).Id);
                Assert.Equal(marks[n], Marker(lab, stack, n));
            });
            // The node's guard: its old version (the graceful stop) retired before the container, its new one (the rejoin) after.
            var ready = runs.Single(r => r.Id == $"{big}-ready" && r.Change == StepChangeKind.Replace);
            Assert.Contains(runs, r => r.Id == $"{big}-ready" && r.Change == StepChangeKind.Retire);
            output.WriteLine($"{big}-ready ({fill.Stdout.Trim()} files on its volume): {ready.Output.Trim()}");
            Assert.Contains("chown", ready.Output, StringComparison.Ordinal);

            runs = stack.Apply(Stacks.Edited("single-host", yaml => yaml.Replace("  microblog:images:\n", $"  microblog:images:\n    crate: {next}\n", StringComparison.Ordinal) + "  microblog:ports:\n    haproxy: 80\n"));

            output.WriteLine($"single-host, haproxy on port 80: {string.Join(", ", runs.Select(r => $"{r.Change.ToString().ToLowerInvariant()} {r.Id}"))}");
            Assert.Equal(80, stack.Topology.FrontDoor[0].Port);
            var load = await lab.Net.StartLoad(stack.Client, stack.FrontDoorUrl(), count: 200, name: "port-80").Result(TimeSpan.FromSeconds(60));
            output.WriteLine(load.ToString());
            Assert.Equal(200, load.Ok);

            // The end of its life. A destroy the stack did not allow stops at its guard, before anything is deleted.
            var services = stack.Plan.Services.Select(s => s.Name).ToList();
            var volumes = stack.Plan.Steps.OfType<VolumeStep>().Select(v => v.Name).ToList();
            var running = services.ToDictionary(s => s, s => stack.Inspect(s).Id);
            var refused = Assert.Throws<InvalidOperationException>(() => stack.Destroy());
            output.WriteLine($"single-host, destroy not allowed: {refused.Message}");
            Assert.Contains("step destroy-guard failed", refused.Message, StringComparison.Ordinal);
            Assert.Contains("refused: stack single-host does not allow its destroy", refused.Message, StringComparison.Ordinal);
            Assert.Contains("write `microblog:destroy: {allowed: true}` in its stack file", refused.Message, StringComparison.Ordinal);
            Assert.All(services, s => Assert.Equal(running[s], stack.Inspect(s).Id));
            Assert.All(services, s => Assert.Equal("healthy", stack.Inspect(s).Health));
            Assert.Equal(stack.Plan.Steps.Count, stack.State.Steps.Count);
            load = await lab.Net.StartLoad(stack.Client, stack.FrontDoorUrl(), count: 100, name: "after-refused-destroy").Result(TimeSpan.FromSeconds(60));
            Assert.Equal(100, load.Ok);

            // Allowed by `pulumi up` (with the volumes to go too): only the guard's stored delete script changes, nothing runs.
            var allowed = Stacks.Edited("single-host", yaml => yaml.Replace("  microblog:images:\n", $"  microblog:images:\n    crate: {next}\n", StringComparison.Ordinal) +
                "  microblog:ports:\n    haproxy: 80\n  microblog:destroy:\n    allowed: true\n    volumes: delete\n");
            runs = stack.Apply(allowed);
            Assert.Equal([(StepChangeKind.Run, StepGraph.DestroyGuardStep)], runs.Select(r => (r.Change, r.Id)));

            var host = lab.Hosts[0];
            runs = stack.Destroy();

            output.WriteLine($"single-host, destroyed: {string.Join(", ", runs.Select(r => $"{r.Id} ({r.Took.TotalSeconds:F1} s)"))}");
            Assert.Equal(StepGraph.DestroyGuardStep, runs[0].Id);
            Assert.Contains("allows its destroy", runs[0].Output, StringComparison.Ordinal);
            // No node was decommissioned: the cluster went whole, each node stopped with its container.
            Assert.All(runs.Where(r => r.Id.EndsWith("-decommission", StringComparison.Ordinal)), r => Assert.Equal("", r.Output));
            Assert.Equal(nodes.Count, runs.Count(r => r.Id.EndsWith("-decommission", StringComparison.Ordinal)));
            // Nor stopped node by node: each node's guard (its ready step, whose delete is a graceful stop) goes with the topology.
            var guards = runs.Where(r => nodes.Any(n => r.Id == $"{n}-ready")).ToList();
            Assert.Equal(nodes.Count, guards.Count);
            Assert.All(guards, r => Assert.Equal("", r.Output));
            Assert.Empty(stack.State.Steps);
            var left = lab.Docker(host, "ps", "-aq");
            Check(left);
            Assert.Equal("", left.Stdout.Trim());
            var volumesLeft = lab.Docker(host, "volume", "ls", "-q");
            Check(volumesLeft);
            Assert.All(volumes, v => Assert.DoesNotContain(v, volumesLeft.Stdout.Split('\n')));
            // What the README says stays on the host: the config folder, the admin network, the images.
            var folder = lab.AsRoot(host, "ls /etc/microblog/single-host");
            Check(folder);
            Assert.Contains("nftables.conf", folder.Stdout.Split('\n'));
            Check(lab.Docker(host, "network", "inspect", "microblog-admin"));
            Check(lab.Docker(host, "image", "inspect", next));
        });
    }

    /// <summary>Enough files that the crate image's `chown -R /data` takes seconds, as on a node that holds data.</summary>
    private const int FillerFiles = 300_000;

    /// <summary>Samples the apps' health every 100 ms and reports how many were not healthy at once.</summary>
    private static IDisposable Watch(ContainerStack stack, IReadOnlyList<string> apps, Action<int> seen)
    {
        var stop = new CancellationTokenSource();
        var task = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                seen(apps.Count(a => stack.Inspect(a).Health != "healthy"));
                await Task.Delay(100);
            }
        });
        return new Stopper(stop, task);
    }

    private sealed class Stopper(CancellationTokenSource stop, Task task) : IDisposable
    {
        public void Dispose()
        {
            stop.Cancel();
            task.Wait();
            stop.Dispose();
        }
    }

    /// <summary>A marker written under the node's data path once, and its node id: what must survive a new container.</summary>
    private static string Marker(ContainerLab lab, ContainerStack stack, string node)
    {
        var host = stack.HostOf(node);
        var marker = lab.Docker(host, "exec", node, "sh", "-c", "[ -f /data/data/marker ] || head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \\n' > /data/data/marker; cat /data/data/marker; echo; cat /data/data/nodes/0/node.id");
        Check(marker);
        return marker.Stdout.Trim().Replace('\n', '/');
    }

    /// <summary>
    /// The state the release before this one left: what makes a write, a ready wait, a reload, a restart or a check run
    /// again was its triggers (a write's, its file's hash), nothing on its stdin after what it reads.
    /// </summary>
    /// <summary>A node's steps when its container is replaced: its guard's graceful stop, the container, its rejoin.</summary>
    private static IEnumerable<string> Guarded(string node) =>
        [$"{StepChangeKind.Retire} {node}-ready", $"{StepChangeKind.Replace} {node}-container", $"{StepChangeKind.Replace} {node}-ready"];

    /// <summary>
    /// The state the release before RunsAgainWhen left: what runs a step again in its triggers (a container's fingerprint
    /// for its ready wait), and before each CrateDB node's container a `-stop` step replaced on that fingerprint, whose
    /// create was the graceful stop and which had no delete script.
    /// </summary>
    private static RunnerState EarlierRelease(RunnerState state, DeploymentPlan plan)
    {
        var fingerprints = plan.Steps.OfType<ContainerStep>().ToDictionary(c => c.IdPlaceholder, c => c.Spec.Fingerprint);
        string Earlier(string value) => fingerprints.GetValueOrDefault(value, value);
        return state with
        {
            Steps = state.Steps.SelectMany<Step, Step>(s => s switch
            {
                CommandStep { Purpose: CommandPurpose.WriteFile, File: { } file } write => [write with { Triggers = [file.Sha256] }],
                CommandStep { Purpose: CommandPurpose.Ready, Delete: { } stop } guard =>
                [
                    guard with { Id = $"{guard.Service}-stop", Script = stop, Delete = null, Triggers = [.. guard.Triggers.Select(Earlier)], After = [] },
                    guard with { Triggers = [.. guard.Triggers.Select(Earlier)], Delete = null },
                ],
                CommandStep { RunsAgainWhen.Count: > 0 } command => [command with { Triggers = [.. command.RunsAgainWhen.Select(Earlier)], RunsAgainWhen = [] }],
                _ => [s],
            }).ToList(),
        };
    }

    private static string StartedAt(ContainerLab lab, ContainerStack stack, string service)
    {
        var inspect = lab.Docker(stack.HostOf(service), "inspect", "-f", "{{.State.StartedAt}}", service);
        Check(inspect);
        return inspect.Stdout.Trim();
    }

    private static string Mtime(ContainerLab lab, string host, string path)
    {
        var stat = lab.AsRoot(lab[host], $"stat -c %Y.%y '{path}'");
        Check(stat);
        return stat.Stdout.Trim();
    }

    private static string Inode(ContainerLab lab, string host, string path)
    {
        var stat = lab.AsRoot(lab[host], $"stat -c %i '{path}'");
        Check(stat);
        return stat.Stdout.Trim();
    }

    private static string Curl(ContainerLab lab, string url)
    {
        var result = Shell.Run("nsenter", ["--net=" + lab.Net.Outside.NsPath, "--", "curl", "-ks", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", url]);
        return result.Stdout.Trim();
    }

    private static string MakeCertificate(string dir)
    {
        var key = Path.Combine(dir, "front.key");
        var cert = Path.Combine(dir, "front.crt");
        Check(Shell.Run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=front.microblog.test"));
        return File.ReadAllText(cert) + File.ReadAllText(key);
    }

    private static void Check(ShellResult result) => Assert.True(result.Ok, result.ToString());
}
