using Infra.Topology.Model;

namespace Infra.Topology.Spec;

/// <summary>`microblog:monitoring`: where it runs, where alerts go, its threshold, and ports that clash with nothing.</summary>
internal static partial class SpecValidator
{
    private static IEnumerable<Diagnostic> CheckMonitoring(StackSpec spec, bool layoutKnown, ISet<string> explicitKeys)
    {
        if (spec.Monitoring is not { } monitoring)
        {
            yield break;
        }

        const string Path = Ns + ":monitoring";
        var file = spec.SourceFile;
        Diagnostic Error(string path, string message) => new(Severity.Error, file, path, message);

        if (monitoring.Webhook.Length == 0)
        {
            yield return Error($"{Path}.webhook", "missing: the URL Alertmanager posts alerts to, e.g. `webhook: https://alerts.example.com/microblog`");
        }
        else if (Grammar.WebhookUrl(monitoring.Webhook) is { } webhookProblem)
        {
            yield return Error($"{Path}.webhook", webhookProblem);
        }

        if (monitoring.ErrorRatio is <= 0 or >= 1)
        {
            yield return Error($"{Path}.errorRatio", $"{monitoring.ErrorRatio.ToString(System.Globalization.CultureInfo.InvariantCulture)} is not a share of requests: write a decimal above 0 and below 1, e.g. 0.05 for 5% 5xx answers at the front door");
        }

        if (monitoring.AppMetricsPath is { } metricsPath && Grammar.MetricsPath(metricsPath) is { } pathProblem)
        {
            yield return Error($"{Path}.appMetricsPath", pathProblem);
        }

        if (monitoring.CrateMetricsPort is < 1 or > 65535)
        {
            yield return Error($"{Path}.crateMetricsPort", $"{monitoring.CrateMetricsPort} is outside 1-65535");
        }

        var images = spec.Images.Monitoring;
        foreach (var (key, image) in new[] { ("prometheus", images.Prometheus), ("alertmanager", images.Alertmanager), ("nodeExporter", images.NodeExporter), ("nginxExporter", images.NginxExporter) })
        {
            if (!spec.IsDeferred(image) && Grammar.ImageReference(image) is { } imageProblem)
            {
                yield return Error($"{Ns}:images.{key}", imageProblem);
            }
        }

        var p = monitoring.Ports;
        foreach (var (key, port) in new[] { ("prometheus", p.Prometheus), ("alertmanager", p.Alertmanager), ("nodeExporter", p.NodeExporter), ("nginxExporter", p.NginxExporter), ("haproxyMetrics", p.HaproxyMetrics) })
        {
            if (port is < 1 or > 65535)
            {
                yield return Error($"{Path}.ports.{key}", $"{port} is outside 1-65535");
            }
        }

        var hostNames = spec.Hosts.Select(h => h.Name).Concat(spec.LoadBalancer is { } lb ? [lb.Name] : []).ToList();
        if (monitoring.OwnHost is { } own)
        {
            if (monitoring.OnHost is not null)
            {
                yield return Error($"{Path}.host", $"both `host` and a host of its own (`name`, `address`) are given: keep `host: {monitoring.OnHost}` to run next to that host's services, or remove it to run on {own.Name}");
            }

            foreach (var problem in CheckOwnHost(spec, own, hostNames, Error))
            {
                yield return problem;
            }
        }
        else if (monitoring.OnHost is null)
        {
            yield return Error(Path, $"where does it run? write `host: <one of {string.Join(", ", hostNames)}>` to run next to that host's services, or `name:` and `address:` for a host of its own");
        }
        else if (!hostNames.Contains(monitoring.OnHost))
        {
            var hint = Suggest.Closest(monitoring.OnHost, hostNames);
            yield return Error($"{Path}.host", $"\"{monitoring.OnHost}\" is not a host of this stack: write one of {string.Join(", ", hostNames)}" + (hint is null ? "" : $" (did you mean \"{hint}\"?)"));
        }

        if (!layoutKnown)
        {
            yield break;
        }

        // Each host's own ports against its monitoring ports: two services on one host cannot share one.
        var hosts = spec.Hosts.Select((h, i) => (Path: $"{Ns}:hosts[{i}]", h.Name, Roles: PortPlan.RolesOf(spec.Layout, h), Claims: PortPlan.For(spec.Ports, h, PortPlan.RolesOf(spec.Layout, h)), Crate: h.CrateNodes)).ToList();
        if (spec.LoadBalancer is { } front)
        {
            hosts.Add(($"{Ns}:loadBalancer", front.Name, [Role.LoadBalancer], PortPlan.ForLoadBalancer(spec.Ports, front), 0));
        }

        if (monitoring.OwnHost is { } ownHost)
        {
            hosts.Add((Path, ownHost.Name, [], [], 0));
        }

        foreach (var (hostPath, name, roles, claims, crate) in hosts)
        {
            var taken = claims.Select(c => (c.Port, What: $"{c.Role.ToString().ToLowerInvariant()}{(c.Kind == PortKind.Http ? "" : " " + c.Kind.ToString().ToLowerInvariant())} #{c.Index + 1} (`{Ns}:ports.{c.BaseKey}`)")).ToList();
            foreach (var claim in TopologyResolver.MonitoringClaims(monitoring, roles, PortPlan.CountOf(Role.Crate, spec.Hosts.FirstOrDefault(h => h.Name == name) ?? EmptyHost, roles), name == monitoring.HostName))
            {
                if (claim.Port is < 1 or > 65535)
                {
                    continue;
                }

                var what = $"{TopologyResolver.RoleName(claim.Role)}{(claim.Role is Role.Haproxy or Role.LoadBalancer or Role.Crate ? " metrics" : "")} (`{claim.Key}`)";
                if (taken.FirstOrDefault(t => t.Port == claim.Port) is { What: not null } clash)
                {
                    yield return Error(explicitKeys.Contains(claim.Key) ? claim.Key : hostPath,
                        $"port {claim.Port} is wanted twice on {name}: {clash.What} and {what}; move `{claim.Key}`");
                }

                taken.Add((claim.Port, what));
            }
        }
    }

    private static readonly HostSpec EmptyHost = new("", "", new SshSpec("deploy", 22), null, EquatableArray<Role>.Empty, 0, 0);

    private static IEnumerable<Diagnostic> CheckOwnHost(StackSpec spec, MonitoringHostSpec own, IReadOnlyList<string> hostNames, Func<string, string, Diagnostic> error)
    {
        const string Path = Ns + ":monitoring";
        if (own.Name.Length == 0)
        {
            yield return error($"{Path}.name", "missing: name the monitoring host, e.g. `name: monitor` (or write `host: <name>` to run next to another host's services)");
        }
        else if (!HostNamePattern().IsMatch(own.Name))
        {
            yield return error($"{Path}.name", $"\"{own.Name}\" is not a usable host name: use lowercase letters, digits and '-' (it names resources and files)");
        }
        else if (hostNames.Contains(own.Name))
        {
            yield return error($"{Path}.name", $"\"{own.Name}\" is already a host of this stack: give the monitoring host its own name, or write `host: {own.Name}` (without `address`) to run next to that host's services");
        }

        if (own.Address.Length == 0)
        {
            yield return error($"{Path}.address", "missing: give the monitoring host's IP address, e.g. `address: 192.0.2.20`");
        }
        else if (!spec.IsDeferred(own.Address) && AddressProblem(own.Address) is { } problem)
        {
            yield return error($"{Path}.address", problem);
        }
        else if (spec.Hosts.Select(h => h.Address).Concat(spec.LoadBalancer is { } lb ? [lb.Address] : []).Contains(own.Address, StringComparer.OrdinalIgnoreCase))
        {
            yield return error($"{Path}.address", $"\"{own.Address}\" is already the address of another host: each host needs its own address");
        }

        if (own.Ssh.Port is < 1 or > 65535)
        {
            yield return error($"{Path}.ssh.port", $"{own.Ssh.Port} is outside 1-65535");
        }

        if (!spec.IsDeferred(own.Ssh.User) && Grammar.SshUser(own.Ssh.User) is { } userProblem)
        {
            yield return error($"{Path}.ssh.user", userProblem);
        }

        if (own.DockerEndpoint is { } docker && Grammar.DockerEndpoint(docker) is { } endpointProblem)
        {
            yield return error($"{Path}.docker", endpointProblem);
        }
        else if (own.DockerEndpoint is { } tcp && tcp.StartsWith("tcp://", StringComparison.Ordinal) && spec.AdminSources.Count == 0)
        {
            yield return error($"{Path}.docker", $"\"{tcp}\": a TCP Docker endpoint is opened to microblog:adminSources only, and none are listed: list them, or use ssh://");
        }
    }
}
