namespace Infra.Live.Tests.Harness;

/// <summary>
/// A live test: needs root (network namespaces) and the named programs. Where they are missing it is skipped
/// with one plain line, except under CI (CI=true), where a missing prerequisite must fail, not hide.
/// </summary>
public sealed class LiveFactAttribute : FactAttribute
{
    public static readonly string[] Always = ["ip", "nsenter", "setsid"];

    public LiveFactAttribute(params string[] tools)
    {
        var missing = Always.Concat(tools).Where(t => !Shell.Exists(t)).ToList();
        var reason = Native.geteuid() != 0 ? "needs root for network namespaces"
            : missing.Count > 0 ? "needs " + string.Join(", ", missing) + " (apt-get install nginx haproxy supervisor nftables)"
            : null;
        if (reason is not null && Environment.GetEnvironmentVariable("CI") != "true")
        {
            Skip = "live test " + reason;
        }
    }
}
