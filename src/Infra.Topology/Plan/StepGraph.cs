using Infra.Topology.Configs;
using Infra.Topology.Model;
using Infra.Topology.Spec;


namespace Infra.Topology.Plan;

/// <summary>
/// The graph of steps that puts a planned stack on its hosts. Every ordering rule of a deployment lives here:
/// <list type="bullet">
/// <item>a host's firewall is applied, and its preparation done, before any of its containers is created;</item>
/// <item>a container waits for every file it mounts (Docker would make a folder of a missing one);</item>
/// <item>containers roll out one at a time across the stack, data tier first and the front door last: each waits
/// until the one before it is healthy (a CrateDB node: back in its cluster) and has taken its config change, so an
/// image change replaces them one by one and never takes down two of a kind at once;</item>
/// <item>the post-update checks run after everything else.</item>
/// </list>
/// </summary>
public static class StepGraph
{

    /// <summary>The data tier first (apps need it), the front door last (it needs everything behind it).</summary>
    private static int RolloutRank(Role role) => role switch
    {
        Role.Crate => 0,
        Role.App => 1,
        Role.Haproxy => 2,
        Role.Nginx => 3,
        Role.LoadBalancer => 4,
        // Monitoring last: it watches what is there, and nothing serving waits for it.
        Role.Prometheus or Role.Alertmanager or Role.NodeExporter or Role.NginxExporter => 5,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };

    private static SshTarget? Ssh(Host host) => host.Access.Local ? null : new SshTarget(host.Address, host.Access.Ssh.User, host.Access.Ssh.Port);

    public static IEnumerable<Step> Build(StackTopology topology, IReadOnlyList<HostPlan> hosts)
    {
        var steps = new List<Step>();
        // Per host, what every container there waits for: preparation and the firewall.
        var gates = new Dictionary<string, List<string>>();
        var engines = new Dictionary<string, string>();
        var images = new Dictionary<(string Host, string Image), string>();
        var openings = new List<CommandStep>();
        string? certificateCheck = null;
        foreach (var plan in hosts)
        {
            var host = plan.Host;
            var ssh = Ssh(host);
            var name = host.Name;
            var engine = new EngineStep($"{name}-docker", name, host.Access.DockerEndpoint);
            steps.Add(engine);
            engines[name] = engine.Id;

            var configDir = new CommandStep($"{name}-prepare-config-dir", name, null, "every config file lives under one folder per stack",
                CommandPurpose.Prepare, ssh, Scripts.AsRoot(host, Scripts.ConfigDir(plan.ConfigDir)));
            var gate = new List<string> { configDir.Id };
            steps.Add(configDir);
            if (topology.On(name, Role.Crate).Any())
            {
                var maxMapCount = new CommandStep($"{name}-prepare-max-map-count", name, null,
                    "CrateDB's bootstrap check refuses to start below this; set now and persisted across reboots",
                    CommandPurpose.Prepare, ssh, Scripts.AsRoot(host, Scripts.MaxMapCount(Planner.CrateMaxMapCount)));
                steps.Add(maxMapCount);
                gate.Add(maxMapCount.Id);
                // Through the host's Docker engine, as the SSH user (in the docker group), like every other Docker step.
                var adminNetwork = new CommandStep($"{name}-prepare-crate-admin-network", name, null,
                    $"the deployment's statements reach CrateDB as its superuser from this network only ({CrateAccess.AdminClients}); each node listens on its gateway",
                    CommandPurpose.Prepare, ssh, Scripts.AdminNetwork());
                steps.Add(adminNetwork);
                gate.Add(adminNetwork.Id);
            }

            foreach (var file in plan.Files.Where(f => f.File.Instance is null))
            {
                var write = Write($"{name}-{Path.GetFileNameWithoutExtension(file.File.Path)}-config", host, null, file, configDir.Id);
                steps.Add(write);
                if (file.File.OnChange != ChangeAction.ApplyFirewall)
                {
                    continue;
                }

                if (host.Access.Local)
                {
                    // On the operator's own machine the ruleset is written, not applied: its drop policy would cut off
                    // everything else the machine serves. `sudo nft -f` applies it by hand.
                    gate.Add(write.Id);
                    continue;
                }

                // A new ruleset replaces this step: the new one adds what the plan newly wires before anything waits on it,
                // and the old one, deleted at the end of the update after every container and node that leaves, withdraws
                // what is no longer wired (a first deploy loads the whole file: no port listens unguarded).
                var apply = new CommandStep($"{name}-{Path.GetFileNameWithoutExtension(file.File.Path)}-apply", name, null,
                    "opens what the plan wires before any container waits on it; what it no longer wires is withdrawn at the end of the update, after what used it is gone",
                    CommandPurpose.ApplyFirewall, ssh, Scripts.AsRoot(host, Scripts.OpenFirewall(file)))
                {
                    Delete = Scripts.AsRoot(host, Scripts.ApplyFirewall(file)),
                    Triggers = [file.Sha256],
                    After = [write.Id],
                    File = file,
                };
                steps.Add(apply);
                openings.Add(apply);
            }

            if (topology.Spec.LoadBalancer is { TlsCertificate: { } certificate } && topology.On(name, Role.LoadBalancer).Any())
            {
                var check = new CommandStep($"{name}-check-tls-certificate", name, null,
                    "the operator keeps the load balancer's certificate on its host; the container mounts it read-only",
                    CommandPurpose.Preflight, ssh, Scripts.AsRoot(host, Scripts.RequireFile(certificate, name, "microblog:loadBalancer.tlsCertificate")));
                steps.Add(check);
                certificateCheck = check.Id;
            }

            foreach (var image in plan.Services.Select(s => (s.Role, s.Container.Image)).DistinctBy(s => s.Image))
            {
                var step = new ImageStep($"{name}-image-{ImageKind(image.Role)}", name, engine.Id, image.Image);
                steps.Add(step);
                images[(name, image.Image)] = step.Id;
            }

            gates[name] = gate;
        }

        if (openings.Count > 0)
        {
            // Every container waits for this, so every host admits what the plan wires before any new consumer starts. And
            // replaced whenever a ruleset is, its old version is deleted at the end of the update after every container (and
            // every CrateDB node decommissioned) that waited for it and before the old rulesets it waits for: what leaves
            // is gone before anything it used is withdrawn (Pulumi deletes a resource before those it depends on).
            var opened = new CommandStep(AccessOpenedStep, null, null,
                "every host admits what the plan wires before any container starts; what leaves is gone before anything is withdrawn",
                CommandPurpose.Gate, null, "")
            {
                Triggers = [Combined(openings.Select(o => o.Triggers[0]))],
                After = openings.Select(o => o.Id).ToEquatableArray(),
            };
            steps.Add(opened);
            foreach (var gate in gates.Values)
            {
                gate.Add(opened.Id);
            }
        }

        // The master-eligible nodes come first in host order, so they are the first to start: until a majority of
        // them runs, a new cluster has no master yet.
        var crateNodes = topology.Of(Role.Crate).ToList();
        var quorum = CrateConfig.MasterEligible(topology).Count / 2 + 1;
        string? previous = null;
        string? decommissioned = null;
        var settled = steps.OfType<CommandStep>().Where(s => s.Purpose is CommandPurpose.ApplyFirewall or CommandPurpose.Gate).Select(s => s.Id).ToList();
        foreach (var wave in Waves(topology, hosts))
        {
            if (wave.Role != Role.Crate && crateNodes.Count > 0 && !steps.Any(s => s.Id == AppUserStep))
            {
                // Between the data tier and the apps: the cluster has formed, and no app starts before its user exists.
                var user = AppUser(topology, hosts, previous!);
                steps.Add(user);
                settled.Add(user.Id);
                previous = user.Id;
            }

            // Every service of a wave waits for the wave before it; the next wave waits for each of this one to be settled.
            var waveSettled = new List<string>();
            foreach (var (plan, service) in wave.Members)
            {
                var host = plan.Host;
                var ssh = Ssh(host);
                var writes = service.Files
                    .Select(file => Write(FileStepId(service, file), host, service.Name, file, $"{host.Name}-prepare-config-dir") with { FormerIds = FormerFileStepIds(service, file) })
                    .ToList();
                steps.AddRange(writes);

                var waitsFor = new List<string> { images[(host.Name, service.Container.Image)] };
                waitsFor.AddRange(writes.Select(w => w.Id));
                waitsFor.AddRange(gates[host.Name]);
                if (service.Role == Role.LoadBalancer && certificateCheck is not null)
                {
                    waitsFor.Add(certificateCheck);
                }

                foreach (var volume in service.Container.Mounts.Where(m => m.Kind == MountKind.Volume))
                {
                    var step = new VolumeStep($"{service.Name}-data", host.Name, service.Name, engines[host.Name], volume.Source)
                    {
                        RetainOnDelete = !topology.Spec.Destroy.DeletesVolumes,
                    };
                    steps.Add(step);
                    waitsFor.Add(step.Id);
                }

                if (previous is not null)
                {
                    waitsFor.Add(previous);
                }

                var container = new ContainerStep($"{service.Name}-container", host.Name, service.Name,
                    $"{Describe(service.Role)}; {(wave.Size == 1 ? "replaced one at a time" : $"replaced {wave.Size} at a time")} when its image or spec changes",
                    engines[host.Name], images[(host.Name, service.Container.Image)], service.Container)
                {
                    After = waitsFor.ToEquatableArray(),
                };
                steps.Add(container);

                var readyScript = service.Role switch
                {
                    Role.Crate => ReadyNode(topology, service, crateNodes, quorum),
                    // Servers the proxies check (the apps by every haproxy, nginx by the load balancer): seen UP by them too.
                    Role.App or Role.Nginx => Scripts.WaitSeenUp(service.Name),
                    _ => Scripts.WaitHealthy(service.Name),
                };
                var ready = new CommandStep($"{service.Name}-ready", host.Name, service.Name,
                    service.Role == Role.Crate
                        ? "a new or replaced node is healthy and back in its cluster before the rollout goes on"
                        : "a new or replaced container is healthy before the rollout goes on",
                    CommandPurpose.Ready, ssh, readyScript)
                {
                    After = [container.Id],
                };
                // The container's id, not its spec: whatever replaces it (a new image id under the same tag too) runs this again.
                ready = service.Role == Role.Crate
                    ? GuardNode(topology, service, ready, container)
                    : ready with { RunsAgainWhen = [container.IdPlaceholder] };
                steps.Add(ready);
                settled.Add(container.Id);
                settled.Add(ready.Id);
                var last = ready.Id;

                if ((Apply(service, ssh, writes, ready) ?? RestartNode(topology, service, ssh, writes, ready)) is { } apply)
                {
                    steps.Add(apply);
                    settled.Add(apply.Id);
                    last = apply.Id;
                }

                if (service.Role == Role.Crate)
                {
                    var decommission = DecommissionNode(topology, service, ssh, last, decommissioned);
                    steps.Add(decommission);
                    decommissioned = decommission.Id;
                }

                waveSettled.Add(last);
            }

            if (waveSettled.Count == 1)
            {
                previous = waveSettled[0];
                continue;
            }

            var done = new CommandStep(wave.Id, null, null,
                $"{wave.Members.Count} of {wave.Of} {TopologyResolver.RoleName(wave.Role)} instances, taken down together at most: each is ready (and has taken its config change) before the next wave starts",
                CommandPurpose.Gate, null, "")
            {
                After = waveSettled.ToEquatableArray(),
            };
            steps.Add(done);
            settled.Add(done.Id);
            previous = done.Id;
        }

        var triggers = hosts.SelectMany(h => h.Files).Select(f => f.Sha256)
            .Concat(hosts.SelectMany(h => h.Services).Select(s => s.Container.Image).Distinct())
            .ToEquatableArray();
        steps.AddRange(Checks(topology, hosts).Select(check => check with { RunsAgainWhen = triggers, After = settled.ToEquatableArray() }));

        // Waits for every step nothing else waits for, and so, through them, for every step: a destroy deletes it first.
        var waitedFor = steps.SelectMany(s => s.DependsOn).ToHashSet(StringComparer.Ordinal);
        steps.Add(new CommandStep(DestroyGuardStep, null, null,
            "runs nothing; a destroy deletes it before anything else, and it refuses unless the stack allows its destroy (microblog:destroy)",
            CommandPurpose.DestroyGuard, null, "")
        {
            Delete = Scripts.DestroyGuard(topology.Spec.Stack, topology.Spec.Destroy),
            After = steps.Where(s => !waitedFor.Contains(s.Id)).Select(s => s.Id).ToEquatableArray(),
        });
        return steps;
    }

    /// <summary>
    /// Instances of one role created, replaced or restarted together: the tiers in order (data, apps, haproxy, nginx,
    /// the front door, monitoring), each stateless role in waves of its rollout's size, CrateDB one node at a time.
    /// </summary>
    public sealed record Wave(Role Role, int Number, int Size, int Of, IReadOnlyList<(HostPlan Plan, ServicePlan Service)> Members)
    {
        /// <summary>The gate after a wave of more than one: stable while the wave's number is (a host added to the end joins the last wave).</summary>
        public string Id => $"{TopologyResolver.RoleName(Role)}-wave-{Number}";
    }

    public static IReadOnlyList<Wave> Waves(StackTopology topology, IReadOnlyList<HostPlan> hosts)
    {
        var services = hosts
            .SelectMany((plan, hostIndex) => plan.Services.Select((service, index) => (plan, service, hostIndex, index)))
            .OrderBy(s => RolloutRank(s.service.Role)).ThenBy(s => s.service.Role).ThenBy(s => s.hostIndex).ThenBy(s => s.index)
            .ToList();
        var waves = new List<Wave>();
        foreach (var role in services.GroupBy(s => s.service.Role))
        {
            var members = role.Select(s => (s.plan, s.service)).ToList();
            // CrateDB keeps its own procedure: a node stops, restarts or is replaced only once the one before is back.
            var size = role.Key == Role.Crate ? 1 : topology.Spec.Rollout.WaveSize(members.Count);
            waves.AddRange(members.Chunk(size).Select((chunk, i) => new Wave(role.Key, i + 1, size, members.Count, chunk)));
        }

        return waves;
    }

    /// <summary>
    /// The step that writes one of a service's files: its first (the config it starts with, listed first by
    /// <see cref="Configs.Render"/>) `&lt;service&gt;-config`, each other `&lt;service&gt;-config-&lt;file name&gt;`. A file's id
    /// depends on no other file: adding or removing one renames none.
    /// </summary>
    public static string FileStepId(ServicePlan service, PlacedFile file) =>
        file == service.Files[0] ? $"{service.Name}-config" : $"{service.Name}-config-{Path.GetFileName(file.HostPath)}";

    /// <summary>Earlier releases named every file of a service with more than one after its file name, the first one too.</summary>
    private static EquatableArray<string> FormerFileStepIds(ServicePlan service, PlacedFile file) =>
        service.Files.Count > 1 && file == service.Files[0] ? [$"{service.Name}-config-{Path.GetFileName(file.HostPath)}"] : EquatableArray<string>.Empty;

    public const string AppUserStep = "crate-app-user";

    /// <summary>The step a destroy deletes first: see <see cref="CommandPurpose.DestroyGuard"/>.</summary>
    public const string DestroyGuardStep = "destroy-guard";

    /// <summary>The step every container waits for and that waits for every host's firewall.</summary>
    public const string AccessOpenedStep = "firewalls-opened";

    /// <summary>The apps' CrateDB user and its privileges, made by the superuser on the first node's host; the statements with the password on stdin.</summary>
    private static CommandStep AppUser(StackTopology topology, IReadOnlyList<HostPlan> hosts, string after)
    {
        var node = topology.Of(Role.Crate).First();
        var host = hosts.Single(h => h.Host.Name == node.Host).Host;
        return new CommandStep(AppUserStep, host.Name, node.Name,
            $"the apps connect as CrateDB user {CrateAccess.User} ({CrateAccess.Privileges} on schema {CrateAccess.Schema}); its password is the stack's secret {Secrets.CratePasswordKey}",
            CommandPurpose.Credentials, Ssh(host), Scripts.AsSuperuser(node, Scripts.CrateAppUser(node), stdin: true))
        {
            Stdin = Scripts.CrateAppUserStdin(),
            After = [after],
        };
    }

    private static string ReadyNode(StackTopology topology, ServicePlan service, IReadOnlyList<Instance> nodes, int quorum)
    {
        var node = topology.Instance(service.Name);
        return $"( {Scripts.WaitHealthyAfterChown(service.Name)} ) && {Scripts.AsSuperuser(node, Scripts.WaitJoined(node, nodes.ToList().IndexOf(node), quorum))}" +
            $" && {Scripts.AsSuperuser(node, CrateScripts.AfterRejoin(node))}";
    }

    /// <summary>
    /// A node's guard: its ready step, replaced with its container (its trigger is the container's id, so Pulumi replaces it
    /// whenever it replaces the container, for any reason, and deletes it first: the container is delete-before-replace).
    /// Its delete stops the node gracefully (its shards handed over) before the container goes; its create, once the new
    /// container runs, waits until the node has rejoined, restores allocation and waits for green. Like a decommission, it
    /// is deleted with its topology: a destroy skips it.
    /// </summary>
    private static CommandStep GuardNode(StackTopology topology, ServicePlan service, CommandStep ready, ContainerStep container) =>
        ready with
        {
            Triggers = [container.IdPlaceholder],
            Delete = CrateScripts.StopBeforeReplace(topology.Instance(service.Name), alone: topology.Of(Role.Crate).Count() == 1),
            // A destroy takes the whole cluster: no node is left to hand shards to, so none is stopped node by node.
            SkippedOnDestroy = true,
        };

    /// <summary>A changed crate.yml: the node restarts as CrateDB's rolling upgrade restarts one, healthy and green before the rollout goes on.</summary>
    private static CommandStep? RestartNode(StackTopology topology, ServicePlan service, SshTarget? ssh, IReadOnlyList<CommandStep> writes, CommandStep ready)
    {
        if (service.OnConfigChange != ChangeAction.CrateRollingRestart || writes.Count == 0)
        {
            return null;
        }

        var node = topology.Instance(service.Name);
        return new CommandStep($"{service.Name}-restart", ready.Host, service.Name,
            "CrateDB reads crate.yml only at start: one node at a time, allocation limited to new primaries, back in its cluster and green before the next",
            CommandPurpose.Restart, ssh, CrateScripts.RollingRestart(node, alone: topology.Of(Role.Crate).Count() == 1, service.Files.Select(f => f.HostPath)))
        {
            RunsAgainWhen = service.Files.Select(f => f.Sha256).ToEquatableArray(),
            After = writes.Select(w => w.Id).Append(ready.Id).ToEquatableArray(),
        };
    }

    /// <summary>
    /// Runs nothing while the node is in the stack. When it leaves, Pulumi deletes this step at the end of the update
    /// (after every new node joined) and before the node's container, which it waits for; each node's step waits for the
    /// previous node's, so removed nodes are decommissioned one at a time, the last in rollout order first.
    /// </summary>
    private static CommandStep DecommissionNode(StackTopology topology, ServicePlan service, SshTarget? ssh, string? last, string? previousNode)
    {
        var node = topology.Instance(service.Name);
        return new CommandStep($"{service.Name}-decommission", node.Host, service.Name,
            "when the node leaves the stack: decommissioned (its shards moved to the other nodes) before its container goes, one node at a time",
            CommandPurpose.Decommission, ssh, "")
        {
            Delete = CrateScripts.DecommissionOnDelete(node, CrateConfig.MasterEligible(topology), service.Container.RestartPolicy),
            // When the whole cluster goes (a destroy), no node has anyone to hand its shards to.
            SkippedOnDestroy = true,
            After = new[] { last, previousNode }.OfType<string>().ToEquatableArray(),
        };
    }

    /// <summary>The reload or restart a config change costs, re-run whenever one of the service's files changes.</summary>
    private static CommandStep? Apply(ServicePlan service, SshTarget? ssh, IReadOnlyList<CommandStep> writes, CommandStep ready)
    {
        var (script, why) = (service.OnConfigChange, service.Role) switch
        {
            (ChangeAction.Reload, Role.Nginx) => (Scripts.Signal(service.Name, "HUP"), "nginx re-reads its config and replaces workers gracefully"),
            (ChangeAction.Reload, Role.Prometheus or Role.Alertmanager) => (Scripts.Signal(service.Name, "HUP"), "re-reads its config and rules in place; a bad file is refused and the old one kept"),
            (ChangeAction.Reload, _) => (Scripts.Signal(service.Name, "USR2"), "the haproxy master starts new workers and hands over the listeners: no connection is dropped"),
            (ChangeAction.RollingRestart, _) => (Scripts.RestartUntilHealthy(service.Name, service.Files.Select(f => f.HostPath)), "the app reads crate.hosts only at start: restarted one at a time, each healthy before the next"),
            _ => (null, null),
        };
        if (script is null || writes.Count == 0)
        {
            return null;
        }

        var suffix = service.OnConfigChange == ChangeAction.Reload ? "reload" : "restart";
        var secrets = service.Files.SelectMany(f => Secrets.KeysIn(f.File.Content)).Distinct().ToList();
        return new CommandStep($"{service.Name}-{suffix}", ready.Host, service.Name, why!,
            service.OnConfigChange == ChangeAction.Reload ? CommandPurpose.Reload : CommandPurpose.Restart, ssh, script)
        {
            // The script does not read it: a secret in the files changes no hash, and a new value on stdin is what
            // makes the step run again (Pulumi keeps the stdin encrypted, a trigger it would keep in plain text).
            Stdin = secrets.Count > 0 ? string.Concat(secrets.Select(k => Secrets.Placeholder(k) + "\n")) : null,
            RunsAgainWhen = service.Files.Select(f => f.Sha256).ToEquatableArray(),
            After = writes.Select(w => w.Id).Append(ready.Id).ToEquatableArray(),
        };
    }

    private static CommandStep Write(string id, Host host, string? service, PlacedFile file, string configDir) =>
        new(id, host.Name, service, $"{file.HostPath}: {Reader(file)}", CommandPurpose.WriteFile, Ssh(host), Scripts.AsRoot(host, Scripts.Write(file)))
        {
            // A new content is a new stdin (or, around a secret, a new script): the step runs again as an update.
            Stdin = Scripts.WriteStdin(file),
            After = [configDir],
            File = file,
        };

    private static string Reader(PlacedFile file) =>
        file.ContainerPath is { } path ? $"mounted read-only at {path} in {file.File.Instance}" : "read on the host";

    /// <summary>After an update: every CrateDB node in the cluster, and the front door answering its health path.</summary>
    private static IEnumerable<CommandStep> Checks(StackTopology topology, IReadOnlyList<HostPlan> hosts)
    {
        var nodes = topology.Of(Role.Crate).ToList();
        if (nodes.Count > 0)
        {
            var first = nodes[0];
            var host = hosts.Single(h => h.Host.Name == first.Host).Host;
            yield return new CommandStep("check-crate-cluster", host.Name, null, $"every CrateDB node ({nodes.Count}) has joined the cluster",
                CommandPurpose.Check, Ssh(host),
                // As the superuser, from the admin network on the node's own host: trusted from there only.
                Scripts.AsSuperuser(first, Scripts.CrateClusterCheck(first, nodes, topology.Spec.ClusterName)));
        }

        foreach (var door in topology.FrontDoor)
        {
            // From the operator's machine: the front door as clients meet it.
            yield return new CommandStep($"check-front-door-{door.Name}", null, null, "the front door answers its health path",
                CommandPurpose.Check, null, Scripts.FrontDoorCheck($"http://{Endpoints.Format(door.Address, door.Port)}{topology.Spec.HealthCheckPath}"));
        }
    }



    private static string Describe(Role role) => role switch
    {
        Role.LoadBalancer => "the front load balancer (haproxy)",
        Role.Nginx => "the reverse proxy (nginx)",
        Role.Haproxy => "haproxy in front of every app",
        Role.App => "an app instance",
        Role.Crate => "a CrateDB node on its data volume",
        Role.Prometheus => "Prometheus, scraping every target of the stack, its data on a volume",
        Role.Alertmanager => "Alertmanager, posting the stack's alerts to its webhook",
        Role.NodeExporter => "the host's node exporter",
        Role.NginxExporter => "the nginx exporter, reading its nginx's stub_status",
        _ => role.ToString(),
    };

    /// <summary>One hash for many: what changes when any of them does.</summary>
    private static string Combined(IEnumerable<string> hashes) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', hashes))));

    /// <summary>Names the image step after what it runs, so a version bump updates it in place of renaming it.</summary>
    private static string ImageKind(Role role) => TopologyResolver.RoleName(role == Role.LoadBalancer ? Role.Haproxy : role);
}
