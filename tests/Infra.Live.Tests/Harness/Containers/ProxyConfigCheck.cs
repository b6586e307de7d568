namespace Infra.Live.Tests.Harness.Containers;

/// <summary>
/// Rendered proxy configs checked by the servers of the stand-in images (Debian 13: haproxy 3.0, nginx 1.26),
/// the lines the stacks' images name, in a chroot of the cached base: nothing is bound, nothing started.
/// </summary>
public static class ProxyConfigCheck
{
    /// <summary>`haproxy -v` and `nginx -v` of the base, first line each.</summary>
    public static (string Haproxy, string Nginx) Versions(BaseRootfs rootfs)
    {
        var result = Chroot.Run(rootfs, "haproxy -v | head -n 1; nginx -v 2>&1");
        var lines = result.Ok ? result.Stdout.Trim().Split('\n') : throw new InvalidOperationException(result.ToString());
        return (lines[0].Trim(), lines[^1].Trim());
    }

    public static ShellResult Haproxy(BaseRootfs rootfs, string config) =>
        Chroot.Run(rootfs, "haproxy -c -f /tmp/in/haproxy.cfg", new Dictionary<string, string> { ["haproxy.cfg"] = config });

    /// <summary>The config's relative paths (pid, temp folders) land in a writable prefix, as the image's own prefix is.</summary>
    public static ShellResult Nginx(BaseRootfs rootfs, string config) =>
        Chroot.Run(rootfs, "mkdir -p /tmp/nginx && nginx -t -p /tmp/nginx/ -e stderr -c /tmp/in/nginx.conf", new Dictionary<string, string> { ["nginx.conf"] = config });
}
