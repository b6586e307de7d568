namespace Infra.Topology.Configs;

/// <summary>
/// The timings of the proxy chain (load balancer -> nginx -> haproxy -> app) in one place, because each
/// tier's wait must outlast the worst case of the tier behind it, or the outer tier gives up first and the
/// inner tier's retries are wasted. Values in seconds unless named otherwise.
/// </summary>
public static class ProxyTimeouts
{
    /// <summary>haproxy connection retries; with redispatch each one goes to another server.</summary>
    public const int Retries = 3;

    public const int CheckIntervalMs = 500;
    public const int CheckFall = 2;
    public const int CheckRise = 2;

    /// <summary>
    /// How long after a server first answers its checks every proxy that checks it has marked it UP: its next check comes
    /// within an interval, and `rise` of them must pass in a row. A rollout waits this long after a container is healthy
    /// before the next wave goes down, so no proxy is left with every server DOWN while others are on their way back.
    /// </summary>
    public const int SeenUpWithinMs = (CheckRise + 1) * CheckIntervalMs;
    public const int Check = 2;

    /// <summary>Servers are on the same LAN: a connect that takes longer than this is a dead host.</summary>
    public const int Connect = 1;
    public const int Queue = 5;
    public const int Client = 30;
    public const int HttpRequest = 10;
    public const int HttpKeepAlive = 10;

    /// <summary>haproxy waits this long for an app's response before retrying elsewhere (idempotent requests only).</summary>
    public const int AppResponse = 15;

    /// <summary>The longest haproxy can take to answer: queueing, then the first try and every retry timing out.</summary>
    public const int HaproxyWorstCase = Queue + (Retries + 1) * AppResponse;

    /// <summary>nginx waits for haproxy a little longer than haproxy's own worst case, so haproxy's answer arrives.</summary>
    public const int NginxRead = HaproxyWorstCase + 5;

    /// <summary>Below haproxy's client keep-alive, so nginx drops an idle upstream connection before haproxy does.</summary>
    public const int NginxUpstreamKeepAlive = HttpKeepAlive / 2;

    /// <summary>The load balancer waits for nginx a little longer than nginx waits for haproxy.</summary>
    public const int LoadBalancerResponse = NginxRead + 5;

    /// <summary>After a reload the old haproxy worker finishes its requests; it is stopped once this is over.</summary>
    public const int ReloadDrain = 2 * LoadBalancerResponse;

    public static string Seconds(int seconds) => $"{seconds}s";
}
