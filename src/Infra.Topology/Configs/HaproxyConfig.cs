using Infra.Topology.Model;
using Infra.Topology.Spec;
using static Infra.Topology.Configs.ProxyTimeouts;

namespace Infra.Topology.Configs;

/// <summary>
/// haproxy.cfg for one haproxy instance: the apps it lists as checked servers (every app, or in a large stack a subset:
/// <see cref="Model.AppSubsets"/>), the stats page for this host only. The sections the front load balancer shares
/// (global, defaults, stats, failover) live here too, so both haproxy files behave alike.
/// </summary>
public static class HaproxyConfig
{
    public const string StatsPath = "/__haproxy_stats";

    /// <summary>The reference design's limits for each app server.</summary>
    public const string AppServerLimits = "minconn 5 maxconn 50";

    private const int AppMinConn = 5;

    public static string Render(StackTopology topology, Instance instance)
    {
        if (instance.Role != Role.Haproxy)
        {
            throw new ArgumentException($"{instance.Name} is a {instance.Role}, not an haproxy", nameof(instance));
        }

        var apps = topology.Targets(instance).Where(t => t.Role == Role.App).ToList();
        var isFrontDoor = !topology.Sources(instance).Any();

        var w = new ConfigWriter().Header(topology, instance, "haproxy.cfg").Blank();
        Global(w);
        Defaults(w, serverTimeout: AppResponse);
        w.Section("frontend http-in", f =>
        {
            Bind(f, instance.Address, instance.Port);
            StatsGuard(f, instance.Address);
            if (isFrontDoor)
            {
                f.Comment("single host: no nginx in front, so haproxy is the front door and sets the forwarding headers");
                EdgeHeaders(f, tls: false);
            }

            f.Line("use_backend stats if stats_path");
            f.Line("default_backend app");
        });
        w.Section("backend app", b =>
        {
            b.Line("balance roundrobin");
            // minconn/maxconn are dynamic: a server may take maxconn only once the backend carries fullconn.
            // The default (a tenth of the frontend's maxconn) held each app near minconn, so a retry found the
            // other app full and went back to the dead one; live test: 1-3 of 2,000 GETs lost on a host kill.
            b.Line($"fullconn {apps.Count * AppMinConn}");
            HealthCheck(b, topology.Spec.HealthCheckPath, AppCheckMs);
            Failover(b);
            b.Text(SharedText.For(topology, "haproxy servers", apps, ServerLines));
        });
        MetricsFrontend(w, instance);
        StatsBackend(w);
        return w.ToString();
    }

    private static string ServerLines(IReadOnlyList<Instance> apps)
    {
        var w = ConfigWriter.Nested(depth: 1);
        foreach (var app in apps)
        {
            w.Line($"server {app.Name} {ConfigWriter.Endpoint(app.Address, app.Port)} {AppServerLimits} check");
        }

        return w.Lines;
    }

    /// <summary>
    /// haproxy's built-in Prometheus exporter on its own port, only in a monitored stack: the firewall opens that port to
    /// the monitoring host alone, so the front door's port never serves metrics.
    /// </summary>
    internal static void MetricsFrontend(ConfigWriter w, Instance instance)
    {
        if (instance.MetricsPort is not { } port)
        {
            return;
        }

        w.Section("frontend metrics", f =>
        {
            Bind(f, instance.Address, port);
            f.Comment("scrapes every few seconds: not worth a log line each");
            f.Line("http-request set-log-level silent");
            f.Line($"http-request use-service prometheus-exporter if {{ path {PrometheusConfig.ExporterPath} }}");
            f.Line("http-request deny");
        });
    }

    internal static void Global(ConfigWriter w) => w.Section("global", g =>
    {
        g.Comment("reload with SIGUSR2 to the master: it passes the listening sockets to the new worker itself, so no stats socket path is needed");
        g.Line("master-worker");
        g.Line($"hard-stop-after {Seconds(ReloadDrain)}");
        g.Line("maxconn 4096");
        g.Line("log stdout format raw local0");
    });

    internal static void Defaults(ConfigWriter w, int serverTimeout) => w.Section("defaults", d =>
    {
        d.Line("mode http");
        d.Line("log global");
        d.Line("option httplog");
        d.Line("option log-health-checks");
        d.Comment("keep-alive on both sides: server connections are reused across requests, never for a client's first request");
        d.Line("option http-keep-alive");
        d.Line("http-reuse safe");
        d.Comment("servers are on the LAN: a connection not made by then is a dead host, and the request is retried elsewhere");
        d.Line($"timeout connect {Millis(ConnectMs)}");
        d.Line($"timeout client {Seconds(Client)}");
        d.Line($"timeout server {Seconds(serverTimeout)}");
        d.Line($"timeout http-request {Seconds(HttpRequest)}");
        d.Line($"timeout http-keep-alive {Seconds(HttpKeepAlive)}");
        d.Line($"timeout queue {Seconds(Queue)}");
    });

    internal static void Bind(ConfigWriter w, string hostAddress, int port, string options = "")
    {
        var suffix = options.Length == 0 ? "" : " " + options;
        w.Line($"bind *:{port}{suffix}");
        if (ConfigWriter.IsIPv6(hostAddress))
        {
            w.Line($"bind [::]:{port} v6only{suffix}");
        }
    }

    /// <summary>The stats page answers only callers on this host; the frontend must then `use_backend stats if stats_path`.</summary>
    internal static void StatsGuard(ConfigWriter w, string hostAddress)
    {
        var callers = new List<string> { "127.0.0.1", "::1" };
        // A host given by DNS name is left out: haproxy would resolve it once at start, from whatever DNS it sees then.
        if (!TopologyResolver.IsLoopback(hostAddress) && System.Net.IPAddress.TryParse(hostAddress, out _))
        {
            callers.Add(hostAddress);
        }

        w.Line($"acl stats_path path_beg {StatsPath}");
        w.Line($"acl stats_caller src {string.Join(' ', callers)}");
        w.Line("http-request deny if stats_path !stats_caller");
        w.Comment("a proxy on this host connects from 127.0.0.1 too: a request it forwarded carries X-Forwarded-For");
        w.Line("http-request deny if stats_path { req.hdr_cnt(x-forwarded-for) gt 0 }");
    }

    internal static void StatsBackend(ConfigWriter w) => w.Section("backend stats", s =>
    {
        s.Line("stats enable");
        s.Line($"stats uri {StatsPath}");
        s.Line("stats refresh 5s");
    });

    /// <summary>The outermost proxy trusts no client-sent forwarding headers and sets its own.</summary>
    internal static void EdgeHeaders(ConfigWriter w, bool tls)
    {
        w.Comment("the edge: whatever a client says about forwarding is dropped; this proxy says it");
        w.Line("http-request del-header X-Forwarded-For");
        w.Line("http-request del-header Forwarded");
        w.Line("http-request del-header X-Forwarded-Host");
        w.Line("http-request del-header X-Forwarded-Port");
        if (tls)
        {
            w.Line("http-request set-header X-Forwarded-Proto https if { ssl_fc }");
            w.Line("http-request set-header X-Forwarded-Proto http if !{ ssl_fc }");
        }
        else
        {
            w.Line("http-request set-header X-Forwarded-Proto http");
        }

        w.Line("http-request set-header X-Real-IP %[src]");
        w.Line("option forwardfor");
    }

    internal static void HealthCheck(ConfigWriter w, string path, int checkTimeoutMs)
    {
        w.Line("option httpchk");
        w.Line($"http-check send meth GET uri {path}");
        w.Line("http-check expect status 200");
        w.Line($"timeout check {Millis(checkTimeoutMs)}");
        // A silent host is DOWN within inter + 2 x (timeout connect) + fastinter of its loss (ProxyTimeouts.DownWorstMs).
        w.Comment($"a lost server is DOWN within a second: checks every {CheckIntervalMs} ms, and every {CheckFastIntervalMs} ms once one failed; {CheckFall} failures in a row mark it DOWN");
        w.Comment($"observe layer4: {ObservedErrorLimit} connections in a row that traffic could not make count as a failed check, and the next check comes at once");
        w.Comment("shutdown-sessions: a dead host sends no resets, so a request on a connection reused from before waits until its server is DOWN");
        w.Line($"default-server inter {Millis(CheckIntervalMs)} fastinter {Millis(CheckFastIntervalMs)} fall {CheckFall} rise {CheckRise} " +
            $"observe layer4 error-limit {ObservedErrorLimit} on-error fail-check on-marked-down shutdown-sessions");
    }

    internal static void Failover(ConfigWriter w)
    {
        w.Line($"retries {Retries}");
        w.Comment("every retry goes to another server: the one that just failed is likely down");
        w.Line("option redispatch 1");
        w.Comment("retry only what never reached an app or that it dropped unanswered; a 5xx or a slow answer is returned, not replayed onto apps under load");
        w.Line("retry-on conn-failure empty-response");
        w.Comment("an L7 retry re-sends a request the server may have applied: only safe methods; disable-l7-retry keeps conn-failure retries");
        w.Line("acl retry_safe method GET HEAD OPTIONS");
        w.Line("http-request disable-l7-retry unless retry_safe");
    }
}
