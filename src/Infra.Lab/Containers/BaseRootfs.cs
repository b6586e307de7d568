using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Infra.Lab.Containers;

/// <summary>
/// The stand-in images' shared root filesystem: Debian 13 with nginx, haproxy, curl and bash, the official
/// images' users and folders, and this machine's .NET and ASP.NET Core runtimes. Cached under <see cref="CacheDir"/> twice, as a
/// tarball for `docker import` and unpacked for <see cref="Chroot"/>, both named by a hash of the recipe: a
/// changed recipe (or runtime) builds anew, anything else reuses it. Prometheus, Alertmanager and the exporters
/// are taken out of the tree into one small root filesystem each (<see cref="MonitoringLayer"/>), laid out as their
/// official images are: busybox and glibc with the program for the prom/* images, the program alone (no shell) for
/// the nginx exporter's; only a monitored stack's hosts build them. All are renamed into place when
/// complete, so a crashed or concurrent build never leaves half of one where a later run would find it.
/// </summary>
public sealed record BaseRootfs(string Hash, string Tarball, string Rootfs, string RuntimeVersion)
{
    public const string CacheDir = "/var/cache/microblog-lab";

    /// <summary>Bump when the C# side of the recipe changes in a way the texts below do not show.</summary>
    public const string RecipeVersion = "2";

    public const string Suite = "trixie";

    public static readonly IReadOnlyList<string> Packages =
        ["nginx-light", "haproxy", "curl", "bash", "ca-certificates", "wget", "busybox-static", "prometheus", "prometheus-alertmanager", "prometheus-node-exporter", "prometheus-nginx-exporter"];

    /// <summary>Run on the fresh debootstrap tree: $1 the tree, $2 this machine's dotnet root, $3 the runtime version (both runtimes').</summary>
    public const string LayoutScript = """
        set -eu
        R=$1 dotnet=$2 runtime=$3
        # what no container reads: package caches and lists, docs, manuals, translations, install logs
        rm -rf "$R"/var/cache/apt/* "$R"/var/lib/apt/lists/* "$R"/usr/share/doc/* "$R"/usr/share/man/* \
          "$R"/usr/share/info/* "$R"/usr/share/locale/* "$R"/var/cache/debconf/*-old "$R"/var/log/*.log "$R"/var/log/apt/*
        # the official images' users: haproxy 99 (its image runs as it), crate 1000 (owns /data); and an app image's
        # usual unprivileged user, which the stand-in app runs as
        chroot "$R" groupmod -g 99 haproxy
        chroot "$R" usermod -u 99 -g 99 haproxy
        chroot "$R" groupadd -g 1000 crate
        chroot "$R" useradd -u 1000 -g crate -d /crate -M -s /usr/sbin/nologin crate
        chroot "$R" groupadd -g 10001 app
        chroot "$R" useradd -u 10001 -g app -d /app -M -s /usr/sbin/nologin app
        # where each image's config is mounted, and where its programs write
        mkdir -p "$R"/usr/local/etc/haproxy "$R"/var/lib/haproxy "$R"/crate/config "$R"/data/data "$R"/data/log "$R"/etc/microblog \
          "$R"/var/lib/nginx "$R"/var/log/nginx "$R"/run
        chown 99:99 "$R"/var/lib/haproxy
        # as in the official nginx image: its default log files are the container's output
        ln -sf /dev/stdout "$R"/var/log/nginx/access.log
        ln -sf /dev/stderr "$R"/var/log/nginx/error.log
        # the runtimes only: the programs are published framework-dependent and added per run; the test app is
        # served by Kestrel, from ASP.NET Core's shared framework, released with the runtime under the same version
        [ -d "$dotnet"/shared/Microsoft.AspNetCore.App/"$runtime" ] || {
          echo "no ASP.NET Core runtime $runtime in $dotnet/shared/Microsoft.AspNetCore.App: install the one matching the .NET runtime" >&2
          exit 1
        }
        mkdir -p "$R"/usr/share/dotnet/shared/Microsoft.NETCore.App "$R"/usr/share/dotnet/shared/Microsoft.AspNetCore.App
        cp -a "$dotnet"/dotnet "$dotnet"/host "$R"/usr/share/dotnet/
        cp -a "$dotnet"/shared/Microsoft.NETCore.App/"$runtime" "$R"/usr/share/dotnet/shared/Microsoft.NETCore.App/
        cp -a "$dotnet"/shared/Microsoft.AspNetCore.App/"$runtime" "$R"/usr/share/dotnet/shared/Microsoft.AspNetCore.App/
        ln -sf /usr/share/dotnet/dotnet "$R"/usr/bin/dotnet
        """;

    /// <summary>
    /// Run on the laid-out tree: $1 the tree, $2 the folder for the monitoring images' root filesystems. Each becomes
    /// $2/&lt;kind&gt;.tar, laid out like its official image: prom/prometheus, prom/alertmanager and prom/node-exporter
    /// are busybox with glibc (quay.io/prometheus/busybox) and the program in /bin, user nobody; the nginx exporter's is
    /// `FROM scratch`, the program alone (no shell, no tools). Then every file of those packages leaves the base.
    /// </summary>
    public const string MonitoringScript = """
        set -eu
        R=$1 M=$2
        mkdir -p "$M"
        # the program at the official image's path, with the loader and libraries it links (the same glibc the busybox images carry)
        program() {
          L=$1 from=$2 to=$3
          mkdir -p "$L$(dirname "$to")"
          cp -L "$R$from" "$L$to"
          chroot "$R" ldd "$from" | awk '/=>/ { print $3 } /^[[:space:]]*\// { print $1 }' | while read -r lib; do
            mkdir -p "$L$(dirname "$lib")"
            cp -L "$R$lib" "$L$lib"
          done
        }
        busybox() {
          L=$1
          mkdir -p "$L/bin" "$L/etc" "$L/tmp"
          chmod 1777 "$L/tmp"
          cp "$R/bin/busybox" "$L/bin/busybox"
          for applet in $(chroot "$R" /bin/busybox --list); do [ -e "$L/bin/$applet" ] || ln -s busybox "$L/bin/$applet"; done
          printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n' > "$L/etc/passwd"
          printf 'root:x:0:\nnobody:x:65534:\n' > "$L/etc/group"
        }
        pack() { tar --numeric-owner -C "$1" -cf "$M/$2.tar" . && rm -rf "$1"; }

        L="$M/prometheus"; busybox "$L"
        program "$L" /usr/bin/prometheus /bin/prometheus
        program "$L" /usr/bin/promtool /bin/promtool
        mkdir -p "$L/prometheus" "$L/etc/prometheus"; chown 65534:65534 "$L/prometheus"
        pack "$L" prometheus

        L="$M/alertmanager"; busybox "$L"
        program "$L" /usr/bin/prometheus-alertmanager /bin/alertmanager
        program "$L" /usr/bin/amtool /bin/amtool
        mkdir -p "$L/alertmanager" "$L/etc/alertmanager" "$L/usr/share"; chown 65534:65534 "$L/alertmanager"
        cp -a "$R/usr/share/prometheus" "$L/usr/share/"
        pack "$L" alertmanager

        L="$M/node-exporter"; busybox "$L"
        program "$L" /usr/bin/prometheus-node-exporter /bin/node_exporter
        pack "$L" node-exporter

        L="$M/nginx-exporter"
        program "$L" /usr/bin/prometheus-nginx-exporter /usr/bin/nginx-prometheus-exporter
        mkdir -p "$L/etc/ssl/certs"; cp -L "$R/etc/ssl/certs/ca-certificates.crt" "$L/etc/ssl/certs/"
        pack "$L" nginx-exporter

        # the base keeps none of it: folders stay, files of the monitoring packages go
        chroot "$R" dpkg-query -W -f '${Package}\n' | grep -E '^(prometheus|promtool|libjs-)' > "$M/packages"
        chroot "$R" dpkg -L $(cat "$M/packages") | sort -u | while IFS= read -r f; do
          if [ -L "$R$f" ] || [ -f "$R$f" ]; then printf '%s\n' "$R$f"; fi
        done | xargs -d '\n' rm -f
        rm "$M/packages"
        """;

    /// <summary>The monitoring images' kinds, as <see cref="MonitoringScript"/> names their root filesystems.</summary>
    public static readonly IReadOnlyList<string> MonitoringKinds = ["prometheus", "alertmanager", "node-exporter", "nginx-exporter"];

    private static readonly Lock Gate = new();
    private static BaseRootfs? _ensured;

    /// <summary>The tag `docker import` gives it in each daemon; the stand-in images are built FROM it.</summary>
    public string ImageTag => $"microblog-lab/base:{Hash}";

    /// <summary>The monitoring images' root filesystems, one tarball each (`prometheus.tar`, ...), built `FROM scratch`.</summary>
    public string MonitoringDir => Path.Combine(CacheDir, $"base-{Hash}.monitoring");

    /// <summary>The root filesystem of one monitoring image, e.g. `node-exporter`.</summary>
    public string MonitoringLayer(string kind) => Path.Combine(MonitoringDir, kind + ".tar");

    /// <summary>The runtime the tests themselves run on: the published programs target it.</summary>
    public static string RuntimeDirectory => RuntimeEnvironment.GetRuntimeDirectory().TrimEnd('/');

    public static string Recipe(string runtimeVersion) => $"""
        recipe {RecipeVersion}
        debootstrap --variant=minbase --include={string.Join(',', Packages)} {Suite} ({RuntimeInformation.OSArchitecture})
        runtime Microsoft.NETCore.App {runtimeVersion}
        runtime Microsoft.AspNetCore.App {runtimeVersion}
        {LayoutScript}
        {MonitoringScript}
        """;

    /// <summary>The cached base for the current recipe, built first (about 40 s) when there is none.</summary>
    public static BaseRootfs Ensure(Action<string> progress)
    {
        lock (Gate)
        {
            if (_ensured is { } known && known.Complete)
            {
                return known;
            }

            var version = Path.GetFileName(RuntimeDirectory);
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Recipe(version))))[..16];
            var wanted = new BaseRootfs(hash, Path.Combine(CacheDir, $"base-{hash}.tar"), Path.Combine(CacheDir, $"base-{hash}.rootfs"), version);
            if (!wanted.Complete)
            {
                using var _ = FileLock.Acquire(Path.Combine(CacheDir, "build.lock"), TimeSpan.FromMinutes(10));
                wanted.Build(progress);
            }
            else
            {
                progress($"base image {hash}: cached ({wanted.Tarball})");
            }

            _ensured = wanted;
            return wanted;
        }
    }

    private bool Complete => File.Exists(Tarball) && Directory.Exists(Rootfs) && MonitoringKinds.All(k => File.Exists(MonitoringLayer(k)));

    /// <summary>Under the build lock: whatever another run finished meanwhile is kept, the rest is made in a temp folder and renamed.</summary>
    private void Build(Action<string> progress)
    {
        RemoveDeadBuilds(progress);
        var temp = Path.Combine(CacheDir, $"tmp-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            if (!File.Exists(Tarball) || !MonitoringKinds.All(k => File.Exists(MonitoringLayer(k))))
            {
                var tree = Path.Combine(temp, "rootfs");
                var monitoring = Path.Combine(temp, "monitoring");
                Debootstrap(tree, progress);
                Check(Shell.Run("bash", ["-c", LayoutScript, "bash", tree, Path.GetFullPath(Path.Combine(RuntimeDirectory, "../../..")), RuntimeVersion], timeout: TimeSpan.FromMinutes(2)));
                Check(Shell.Run("bash", ["-c", MonitoringScript, "bash", tree, monitoring], timeout: TimeSpan.FromMinutes(2)));
                progress($"base image {Hash}: laid out ({SizeMb(tree)} MB with the .NET and ASP.NET Core runtimes {RuntimeVersion}; the monitoring images {SizeMb(monitoring)} MB), packing");
                Check(Shell.Run("tar", ["--numeric-owner", "-C", tree, "-cf", Path.Combine(temp, "base.tar"), "."], timeout: TimeSpan.FromMinutes(5)));
                ReplaceDirectory(monitoring, MonitoringDir);
                File.Move(Path.Combine(temp, "base.tar"), Tarball, overwrite: true);
                ReplaceDirectory(tree, Rootfs);
            }
            else if (!Directory.Exists(Rootfs))
            {
                var tree = Path.Combine(temp, "rootfs");
                Directory.CreateDirectory(tree);
                Check(Shell.Run("tar", ["--numeric-owner", "-C", tree, "-xf", Tarball], timeout: TimeSpan.FromMinutes(5)));
                ReplaceDirectory(tree, Rootfs);
                progress($"base image {Hash}: unpacked its cached tarball for chroot checks in {clock.Elapsed.TotalSeconds:F1} s");
                return;
            }
            else
            {
                progress($"base image {Hash}: built by another test run meanwhile");
                return;
            }

            progress($"base image {Hash}: cached as {Tarball} in {clock.Elapsed.TotalSeconds:F1} s");
            RemoveOtherRecipes(progress);
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    private static void Debootstrap(string tree, Action<string> progress)
    {
        var mirror = AptSources.DebianMirror();
        progress($"base image: debootstrap {Suite} from {mirror} (about 40 s)");
        var stages = new HashSet<string>(StringComparer.Ordinal);
        // In a mount namespace of its own: the /proc and /sys it mounts in the tree cannot outlive it.
        string[] args = ["--mount", "--propagation", "private", "debootstrap", "--variant=minbase", $"--include={string.Join(',', Packages)}", Suite, tree, mirror];
        var result = Streamed.Run("unshare", args, line =>
        {
            // One line per stage ("I: Retrieving", "I: Unpacking", ...), not one per package.
            var stage = string.Join(' ', line.Split(' ').Take(2));
            if (line.StartsWith("I: ", StringComparison.Ordinal) && stages.Add(stage))
            {
                progress("  debootstrap: " + line);
            }
        }, TimeSpan.FromMinutes(8));
        if (!result.Ok)
        {
            var log = Path.Combine(tree, "debootstrap", "debootstrap.log");
            var tail = File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(15)) : result.Stderr;
            throw new InvalidOperationException($"debootstrap {Suite} from {mirror} failed (exit {result.ExitCode}):\n{tail}");
        }
    }

    private static void ReplaceDirectory(string from, string to)
    {
        if (Directory.Exists(to))
        {
            var old = to + $".old-{Environment.ProcessId}";
            Directory.Move(to, old);
            Directory.Delete(old, recursive: true);
        }

        Directory.Move(from, to);
    }

    /// <summary>
    /// Temp folders of builds whose test process is gone (crashed or killed mid-build), after killing the
    /// debootstrap it left running: everything in the mount namespace of the process that names the folder.
    /// </summary>
    private static void RemoveDeadBuilds(Action<string> progress)
    {
        foreach (var dir in Directory.GetDirectories(CacheDir, "tmp-*"))
        {
            var pid = Path.GetFileName(dir).Split('-')[1];
            if (Directory.Exists("/proc/" + pid))
            {
                continue;
            }

            var own = MountNamespace(Environment.ProcessId);
            var builds = ProcessTable.Snapshot().Where(p => p.CommandLine.Contains(dir, StringComparison.Ordinal)).Select(p => MountNamespace(p.Pid)).Where(ns => ns is not null && ns != own).ToHashSet();
            var orphans = ProcessTable.Snapshot().Where(p => builds.Contains(MountNamespace(p.Pid)) || p.CommandLine.Contains(dir, StringComparison.Ordinal)).ToList();
            foreach (var p in orphans)
            {
                Native.Signal(p.Pid, Native.SIGKILL);
            }

            Bounded.Until($"the processes of the dead build {dir} to die", TimeSpan.FromSeconds(5),
                () => !ProcessTable.Snapshot().Any(p => orphans.Any(o => o.Pid == p.Pid)), pollMs: 20).GetAwaiter().GetResult();
            Directory.Delete(dir, recursive: true);
            progress($"removed {dir} of a build that did not finish ({orphans.Count} processes killed)");
        }
    }

    private static string? MountNamespace(int pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/ns/mnt").LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Only one recipe is kept: an old one is about 480 MB that no current test reads.</summary>
    private void RemoveOtherRecipes(Action<string> progress)
    {
        foreach (var tar in Directory.GetFiles(CacheDir, "base-*.tar").Where(t => t != Tarball))
        {
            File.Delete(tar);
            progress($"removed the base of an older recipe: {tar}");
        }

        foreach (var dir in Directory.GetDirectories(CacheDir, "base-*.rootfs*").Concat(Directory.GetDirectories(CacheDir, "base-*.monitoring*")).Where(d => d != Rootfs && d != MonitoringDir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static long SizeMb(string tree) =>
        long.Parse(Shell.Check("du", "-sm", tree).Stdout.Split('\t')[0], System.Globalization.CultureInfo.InvariantCulture);

    private static void Check(ShellResult result)
    {
        if (!result.Ok)
        {
            throw new InvalidOperationException(result.ToString());
        }
    }
}
