using Infra.Topology.Model;

namespace Infra.Topology.Configs;

/// <summary>What a changed file costs the running system when it is delivered.</summary>
public enum ChangeAction
{
    /// <summary>nginx -s reload / haproxy hitless reload: no request is dropped.</summary>
    Reload,

    /// <summary>The app reads its config only at start: restart, one host at a time.</summary>
    RollingRestart,

    /// <summary>CrateDB reads crate.yml at start; discovery settings only matter when a node (re)joins.</summary>
    NextRestart,

    /// <summary>CrateDB under Pulumi: restarted one node at a time as CrateDB's rolling upgrade does it (Plan/CrateScripts).</summary>
    CrateRollingRestart,

    /// <summary>
    /// bin/supervisorctl resize, then update: a new process count starts or stops only those processes; any
    /// other change to a program restarts its group whole.
    /// </summary>
    SupervisorUpdate,

    /// <summary>supervisord loads its extension only at start: bin/supervisorctl reload (restarts every process on the host).</summary>
    SupervisordRestart,

    /// <summary>nft -f: the ruleset is replaced atomically.</summary>
    ApplyFirewall,
}

/// <summary>What a changed file costs, in an operator's words: `infra diff` and the README's table say it this way.</summary>
public static class ChangeActions
{
    /// <param name="action">The cost.</param>
    /// <param name="target">The instance the file configures, or its host for a host-wide file.</param>
    /// <param name="host">The host the file is on.</param>
    public static string Describe(this ChangeAction action, string target, string host) => action switch
    {
        ChangeAction.Reload => $"reload {target} (no dropped requests)",
        ChangeAction.RollingRestart => $"rolling restart {target} (one host at a time)",
        ChangeAction.NextRestart => $"no action until the next restart of {target} (seed hosts matter only when a node joins)",
        ChangeAction.CrateRollingRestart => $"rolling restart of {target} (one CrateDB node at a time: allocation limited to new primaries, graceful stop, back in its cluster and every table green before the next)",
        ChangeAction.SupervisorUpdate => $"bin/supervisorctl resize, then update, on {host} (a new process count starts or stops only those processes; any other program change restarts its group whole)",
        ChangeAction.SupervisordRestart => $"bin/supervisorctl reload on {host} (supervisord loads its extension at start; restarts every process on the host)",
        ChangeAction.ApplyFirewall => $"apply the firewall rules on {host} (nft -f swaps the ruleset atomically)",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    };
}

/// <summary>
/// One generated file: the host it goes to, its path inside that host's config folder, and the instance it
/// configures (none for host-wide files such as the firewall or supervisord.conf).
/// </summary>
public sealed record RenderedFile(string Host, string Path, string Content, string? Instance, ChangeAction OnChange, bool Executable = false)
{
    /// <summary>The content's SHA-256, hex: worked out once per file (the plan asks for it several times per file).</summary>
    public string Sha256 => Hashes.GetValue(this, f => Hash(f.Content));

    // Outside the record's fields, so value equality is unchanged; the content of a record instance never changes.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<RenderedFile, string> Hashes = new();

    /// <summary>The SHA-256 of the UTF-8 text, encoded a slice at a time: a big stack's files are large, and a byte copy of each is garbage.</summary>
    private static string Hash(string content)
    {
        const int Slice = 16 * 1024;
        using var sha256 = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var encoder = System.Text.Encoding.UTF8.GetEncoder();
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(System.Text.Encoding.UTF8.GetMaxByteCount(Slice));
        try
        {
            for (var start = 0; start < content.Length; start += Slice)
            {
                var last = start + Slice >= content.Length;
                var count = encoder.GetBytes(content.AsSpan(start, Math.Min(Slice, content.Length - start)), buffer, flush: last);
                sha256.AppendData(buffer, 0, count);
            }

            return Convert.ToHexStringLower(sha256.GetHashAndReset());
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// supervisord.conf and its helpers: they run the process-managed layouts by hand (`infra render`). Under
    /// Pulumi every service is a container, so nothing there reads them.
    /// </summary>
    public bool ForSupervisord => OnChange is ChangeAction.SupervisorUpdate or ChangeAction.SupervisordRestart;

    /// <summary>Writes the content to path (its folder must exist), executable by everyone when it is a script.</summary>
    public void WriteTo(string path)
    {
        File.WriteAllText(path, Content);
        if (Executable && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }
    }
}

/// <summary>Every file of a topology, host by host, in a stable order.</summary>
public static class Render
{
    public static IReadOnlyList<RenderedFile> All(StackTopology topology, RunMode? mode = null)
    {
        var files = new List<RenderedFile>();
        foreach (var host in topology.Hosts)
        {
            files.AddRange(ForHost(topology, host, mode));
        }

        return files;
    }

    /// <summary>A host's files as the services run in <paramref name="mode"/> (by default the layout's own: see <see cref="StackTopology.DefaultRunMode"/>).</summary>
    public static IEnumerable<RenderedFile> ForHost(StackTopology topology, Host host, RunMode? mode = null)
    {
        var supervisord = (mode ?? topology.DefaultRunMode) == RunMode.Supervisord;
        foreach (var instance in topology.On(host.Name))
        {
            if (MonitoringFiles(topology, host, instance) is { } monitoring)
            {
                foreach (var file in monitoring)
                {
                    yield return file;
                }

                continue;
            }

            yield return instance.Role switch
            {
                Spec.Role.LoadBalancer => new(host.Name, FilePaths.LoadBalancer, LoadBalancerConfig.Render(topology, instance), instance.Name, ChangeAction.Reload),
                Spec.Role.Nginx => new(host.Name, FilePaths.Nginx, NginxConfig.Render(topology, instance), instance.Name, ChangeAction.Reload),
                Spec.Role.Haproxy => new(host.Name, FilePaths.Haproxy, HaproxyConfig.Render(topology, instance), instance.Name, ChangeAction.Reload),
                Spec.Role.App => new(host.Name, FilePaths.App(instance), AppConfig.Render(topology, instance), instance.Name, ChangeAction.RollingRestart),
                Spec.Role.Crate => new(host.Name, FilePaths.Crate(instance), CrateConfig.Render(topology, instance, mode), instance.Name,
                    supervisord ? ChangeAction.NextRestart : ChangeAction.CrateRollingRestart),
                _ => throw new InvalidOperationException($"no renderer for {instance.Role}"),
            };

            // supervisord points CrateDB at this folder (-Cpath.conf), and CrateDB will not start without a log4j2.properties there.
            if (instance.Role == Spec.Role.Crate && supervisord)
            {
                yield return new(host.Name, FilePaths.CrateLogging(instance), CrateConfig.Logging(topology, instance), instance.Name, ChangeAction.NextRestart);
            }
        }

        if (supervisord)
        {
            yield return new(host.Name, FilePaths.Supervisord, SupervisordConfig.Render(topology, host), null, ChangeAction.SupervisorUpdate);
            foreach (var program in SupervisordConfig.Programs)
            {
                yield return new(host.Name, FilePaths.SupervisorScript(program), SupervisordConfig.Script(program), null, ChangeAction.SupervisordRestart, Executable: true);
            }

            yield return new(host.Name, FilePaths.SupervisorExtension, SupervisordConfig.Extension, null, ChangeAction.SupervisordRestart);
        }

        yield return new(host.Name, FilePaths.Firewall, FirewallConfig.Render(topology, host), null, ChangeAction.ApplyFirewall);
    }

    /// <summary>The files of a monitoring service (the exporters have none: their flags say it all); null for any other role.</summary>
    private static IEnumerable<RenderedFile>? MonitoringFiles(StackTopology topology, Host host, Instance instance) => instance.Role switch
    {
        Spec.Role.Prometheus =>
        [
            new(host.Name, FilePaths.Prometheus, PrometheusConfig.Render(topology, instance), instance.Name, ChangeAction.Reload),
            new(host.Name, FilePaths.AlertRules, AlertRules.Render(topology), instance.Name, ChangeAction.Reload),
        ],
        Spec.Role.Alertmanager => [new(host.Name, FilePaths.Alertmanager, AlertmanagerConfig.Render(topology, instance), instance.Name, ChangeAction.Reload)],
        Spec.Role.NodeExporter or Spec.Role.NginxExporter => [],
        _ => null,
    };
}

/// <summary>Where each file lives inside a host's config folder; one folder per instance, so each can be mounted alone.</summary>
public static class FilePaths
{
    public const string Nginx = "nginx/nginx.conf";
    public const string Haproxy = "haproxy/haproxy.cfg";
    public const string LoadBalancer = "lb/haproxy.cfg";
    public const string Supervisord = "supervisord.conf";
    public const string SupervisorExtension = "lib/" + SupervisordConfig.ExtensionModule + ".py";
    public const string Firewall = "nftables.conf";
    public const string Prometheus = "prometheus/prometheus.yml";
    public const string AlertRules = "prometheus/" + PrometheusConfig.RulesFile;
    public const string Alertmanager = "alertmanager/alertmanager.yml";

    public static string App(Instance app) => $"app-{app.Port}/app.conf";

    public static string Crate(Instance crate) => $"crate-{crate.Port}/crate.yml";

    public static string CrateLogging(Instance crate) => $"crate-{crate.Port}/log4j2.properties";

    /// <summary>bin/supervisord and bin/supervisorctl, as in the reference design's buildout.</summary>
    public static string SupervisorScript(string program) => $"bin/{program}";
}
