namespace Infra.Topology.Configs;

/// <summary>
/// The timings of the proxy chain (load balancer -> nginx -> haproxy -> app) in one place, because each
/// tier's wait must outlast the worst case of the tier behind it, or the outer tier gives up first and the
/// inner tier's retries are wasted. Values in seconds unless named otherwise (Ms: milliseconds).
/// </summary>
/// <remarks>
/// How a lost host is detected (bench/README.md, "Failover", has the measured figures). A request caught on a dead host
/// either waits for a connection that never comes (a new connection: <see cref="ConnectMs"/>, then a retry elsewhere) or
/// waits on a connection reused from before the loss, which no timeout short of `timeout server` ends: only the server
/// being marked DOWN does (`on-marked-down shutdown-sessions`), so the time to DOWN bounds the worst request. It is
/// <see cref="DownWorstMs"/> from checks alone; live traffic's connection failures (`observe layer4`) cut it further.
/// </remarks>
public static class ProxyTimeouts
{
    /// <summary>haproxy connection retries; with redispatch each one goes to another server.</summary>
    public const int Retries = 3;

    /// <summary>Between two checks of a server that is UP: 5 checks a second per server per checker (see <see cref="ChecksPerSecond"/>).</summary>
    public const int CheckIntervalMs = 200;

    /// <summary>Between checks while a server changes state (one check failed, or coming up): it is decided in 50 ms more.</summary>
    public const int CheckFastIntervalMs = 50;

    /// <summary>Two failed checks in a row mark a server DOWN: one lost check or slow answer is not enough.</summary>
    public const int CheckFall = 2;

    public const int CheckRise = 2;

    /// <summary>
    /// How long after a server first answers its checks every proxy that checks it has marked it UP: its next check comes
    /// within an interval, and `rise` of them must pass in a row, each at most an interval after the one before (a fast
    /// interval, in fact, while it comes up). A rollout waits this long after a container is healthy before the next wave
    /// goes down, so no proxy is left with every server DOWN while the others are on their way back.
    /// </summary>
    public const int SeenUpWithinMs = (CheckRise + 1) * CheckIntervalMs;

    /// <summary>Connections in a row that live traffic failed to make (`observe layer4`) which count as one failed check.</summary>
    public const int ObservedErrorLimit = 2;

    /// <summary>
    /// Servers are on the same LAN, where a connection is made in well under a millisecond: one that takes longer than
    /// this is a dead host (a full listen queue drops the SYN and the kernel resends it only after 1 s, so a longer timeout
    /// gains nothing). It is also the check's connect timeout (haproxy takes min(inter, timeout connect)).
    /// </summary>
    public const int ConnectMs = 150;

    /// <summary>An app answers its health check within this once connected, or the check fails (two in a row: DOWN).</summary>
    public const int AppCheckMs = 500;

    /// <summary>
    /// The load balancer's check of an nginx goes through its haproxy to an app: when an app host dies, it may wait
    /// on that app until haproxy marks it DOWN (and then fail). It must outlast that, or the load balancer's next check
    /// could time out on the same dead app and mark a healthy nginx DOWN too.
    /// </summary>
    public const int NginxCheckMs = 1000;

    /// <summary>A check already waiting on a host's answer when the host died: it waits its whole timeout, then the next one fails.</summary>
    public const int AppDownTailMs = AppCheckMs + ((CheckFall - 1) * (CheckFastIntervalMs + ConnectMs));

    /// <summary>
    /// The longest a silent host stays UP with checks alone: the next check starts up to one interval after the loss,
    /// its connection times out, the next one comes a fast interval later and times out too.
    /// </summary>
    public const int DownWorstMs = CheckIntervalMs + ConnectMs + ((CheckFall - 1) * (CheckFastIntervalMs + ConnectMs));

    /// <summary>Checks each checker sends each of its servers every second while they are UP.</summary>
    public const double ChecksPerSecond = 1000.0 / CheckIntervalMs;

    public const int Queue = 5;
    public const int Client = 30;
    public const int HttpRequest = 10;
    public const int HttpKeepAlive = 10;

    /// <summary>nginx reaches the haproxy on its own host: a refusal is immediate, so this only bounds a stuck local haproxy.</summary>
    public const int NginxConnect = 1;

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

    /// <summary>A duration as haproxy and nginx both read it: whole seconds as `Ns`, anything else as `Nms`.</summary>
    public static string Millis(int ms) => ms % 1000 == 0 ? Seconds(ms / 1000) : $"{ms}ms";
}
