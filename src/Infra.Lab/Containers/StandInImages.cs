using Infra.Topology.Spec;

namespace Infra.Lab.Containers;

/// <summary>The image names a stack's containers use; the stand-ins are tagged with them.</summary>
public sealed record ImageNames(string Nginx, string Haproxy, string App, string Crate)
{
    /// <summary>What the committed stacks call the app's image; a stack that names none gets this one.</summary>
    public const string DefaultApp = "registry.example.com/microblog/app:1.0.0";

    public static ImageNames Of(ImageSpec images) => new(images.Nginx, images.Haproxy, images.App is "" ? DefaultApp : images.App, images.Crate);

    public static ImageNames Of(StackSpec spec) => Of(spec.Images) with { Monitoring = spec.Monitoring is null ? null : spec.Images.Monitoring };

    /// <summary>Set only for a stack with `microblog:monitoring`: other stacks build no monitoring stand-in.</summary>
    public MonitoringImages? Monitoring { get; init; }

    public IEnumerable<(StandInKind Kind, string Name)> All =>
        new[] { (StandInKind.Nginx, Nginx), (StandInKind.Haproxy, Haproxy), (StandInKind.App, App), (StandInKind.Crate, Crate) }
            .Concat(Monitoring is { } m
                ? [(StandInKind.Prometheus, m.Prometheus), (StandInKind.Alertmanager, m.Alertmanager), (StandInKind.NodeExporter, m.NodeExporter), (StandInKind.NginxExporter, m.NginxExporter)]
                : []);
}

public enum StandInKind
{
    Nginx,
    Haproxy,
    App,
    Crate,
    Prometheus,
    Alertmanager,
    NodeExporter,
    NginxExporter,
}

/// <summary>
/// Images laid out like the official ones the stacks name, made without a registry or network: the cached
/// base imported once per daemon, then per kind a `docker build` with no RUN step (config paths, users,
/// command; the app and the CrateDB double copied in as a thin layer, published once per test run).
/// </summary>
public static class StandInImages
{
    private static readonly Lock Gate = new();
    private static string? _published;

    /// <summary>The uid (and gid) the stand-in app's image runs as, like most app images: not root.</summary>
    public const string AppUid = "10001";

    /// <summary>Per test process, named like a lab's run folder (number 0), so a later run removes it if this one crashes.</summary>
    public static string WorkDir { get; } = Path.Combine(Path.GetTempPath(), $"{NetnsLab.NamePrefix}{Environment.ProcessId}-0");

    /// <summary>
    /// Each recipe names its base: the monitoring stand-ins are built `FROM scratch` on their own root filesystems
    /// (<see cref="BaseRootfs.MonitoringScript"/>), the others on the base.
    /// </summary>
    public static string Dockerfile(StandInKind kind, BaseRootfs rootfs) => kind switch
    {
        StandInKind.Nginx => $$"""
            FROM {{rootfs.ImageTag}}
            LABEL microblog.lab.stand-in=nginx
            EXPOSE 80
            STOPSIGNAL SIGQUIT
            CMD ["nginx", "-g", "daemon off;"]
            """,
        StandInKind.Haproxy => $$"""
            FROM {{rootfs.ImageTag}}
            LABEL microblog.lab.stand-in=haproxy
            USER haproxy
            WORKDIR /var/lib/haproxy
            STOPSIGNAL SIGUSR1
            CMD ["haproxy", "-W", "-db", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]
            """,
        // As most app images: an unprivileged user of its own.
        StandInKind.App => $$"""
            FROM {{rootfs.ImageTag}}
            LABEL microblog.lab.stand-in=app
            COPY app/ /app/
            WORKDIR /app
            USER {{AppUid}}:{{AppUid}}
            ENTRYPOINT ["dotnet", "/app/Microblog.TestApp.dll"]
            """,
        // As crate/docker-crate: no USER; its entrypoint chowns /data to crate at every start, then drops to uid 1000.
        StandInKind.Crate => $$"""
            FROM {{rootfs.ImageTag}}
            LABEL microblog.lab.stand-in=crate
            COPY double/ /crate/double/
            COPY docker-entrypoint.sh /docker-entrypoint.sh
            WORKDIR /data
            VOLUME /data
            EXPOSE 4200 4300 5432
            ENTRYPOINT ["/docker-entrypoint.sh"]
            CMD ["dotnet", "/crate/double/Microblog.CrateDouble.dll", "/crate/config/crate.yml"]
            """,
        // Laid out like prom/prometheus, prom/alertmanager, prom/node-exporter (busybox, user nobody) and
        // nginx/nginx-prometheus-exporter (the program alone, user 1001): the program as entrypoint, the plan gives the flags.
        StandInKind.Prometheus => $$"""
            FROM scratch
            ADD prometheus.tar /
            LABEL microblog.lab.stand-in=prometheus
            USER nobody
            WORKDIR /prometheus
            VOLUME /prometheus
            EXPOSE 9090
            ENTRYPOINT ["/bin/prometheus"]
            CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
            """,
        StandInKind.Alertmanager => $$"""
            FROM scratch
            ADD alertmanager.tar /
            LABEL microblog.lab.stand-in=alertmanager
            USER nobody
            WORKDIR /alertmanager
            VOLUME /alertmanager
            EXPOSE 9093
            ENTRYPOINT ["/bin/alertmanager"]
            CMD ["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager"]
            """,
        StandInKind.NodeExporter => $$"""
            FROM scratch
            ADD node-exporter.tar /
            LABEL microblog.lab.stand-in=node-exporter
            USER nobody
            EXPOSE 9100
            ENTRYPOINT ["/bin/node_exporter"]
            """,
        StandInKind.NginxExporter => $$"""
            FROM scratch
            ADD nginx-exporter.tar /
            LABEL microblog.lab.stand-in=nginx-exporter
            USER 1001:1001
            EXPOSE 9113
            ENTRYPOINT ["/usr/bin/nginx-prometheus-exporter"]
            """,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>
    /// crate/docker-crate's entrypoint, as it runs before CrateDB: `chown -R crate:crate /data` at every start (slow on a
    /// big data folder), then the command as uid 1000 (`chroot --userspec=1000 /`).
    /// </summary>
    public const string CrateEntrypoint = """
        #!/bin/sh
        set -ae
        mkdir -pv /data/log /data/data
        if [ "$(id -u)" = '0' ]; then
            chown -R crate:crate /data
            exec chroot --userspec=1000 / "$@"
        fi
        exec "$@"
        """;

    /// <summary>The root filesystem a monitoring stand-in is built from (`FROM scratch`), or null for the others.</summary>
    private static string? MonitoringLayer(StandInKind kind, BaseRootfs rootfs) => kind switch
    {
        StandInKind.Prometheus => rootfs.MonitoringLayer("prometheus"),
        StandInKind.Alertmanager => rootfs.MonitoringLayer("alertmanager"),
        StandInKind.NodeExporter => rootfs.MonitoringLayer("node-exporter"),
        StandInKind.NginxExporter => rootfs.MonitoringLayer("nginx-exporter"),
        _ => null,
    };

    /// <summary>`dotnet publish` (Release, framework-dependent) of the test app and the CrateDB double, once per test process.</summary>
    public static string Publish(Action<string> progress)
    {
        lock (Gate)
        {
            if (_published is not null)
            {
                return _published;
            }

            var clock = System.Diagnostics.Stopwatch.StartNew();
            var dir = Path.Combine(WorkDir, "published");
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }

            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                if (Directory.Exists(WorkDir))
                {
                    Directory.Delete(WorkDir, recursive: true);
                }
            };
            // Two processes on two cores; they share no project, so no obj folder either.
            Parallel.ForEach([("Microblog.TestApp", "app"), ("Microblog.CrateDouble", "double")], project =>
            {
                var result = Shell.Run("dotnet", ["publish", Path.Combine(Binaries.SourceRoot, "tests", project.Item1), "-c", "Release", "-o", Path.Combine(dir, project.Item2),
                    "-p:UseAppHost=false", "--nologo", "-v", "quiet"], timeout: TimeSpan.FromMinutes(5));
                if (!result.Ok)
                {
                    throw new InvalidOperationException($"dotnet publish {project.Item1} failed: {result.Stdout}{result.Stderr}");
                }
            });
            progress($"published Microblog.TestApp and Microblog.CrateDouble in {clock.Elapsed.TotalSeconds:F1} s");
            _published = dir;
            return dir;
        }
    }

    /// <summary>
    /// Imports the base into the daemon behind <paramref name="socket"/>, then builds the stand-ins with the given names
    /// (the monitoring ones, for a monitored stack, from their own root filesystems).
    /// </summary>
    public static (TimeSpan Import, TimeSpan Builds) LoadInto(string socket, BaseRootfs rootfs, string published, ImageNames names)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Check(LabDocker.Run(socket, ["import", rootfs.Tarball, rootfs.ImageTag], timeout: TimeSpan.FromMinutes(2)));
        var imported = clock.Elapsed;
        var contexts = Contexts(rootfs, published);
        Parallel.ForEach(names.All, image =>
            Check(LabDocker.Run(socket, ["build", "-q", "-t", image.Name, contexts[image.Kind]], timeout: TimeSpan.FromMinutes(2))));
        return (imported, clock.Elapsed - imported);
    }

    /// <summary>
    /// Each name the daemon lacks is tagged onto its kind's stand-in (a stack that names a new image: the same stand-in
    /// under the new name, so the change replaces containers as a new release would); returns the names tagged.
    /// </summary>
    public static IReadOnlyList<string> TagMissing(string socket, ImageNames names)
    {
        var tagged = new List<string>();
        foreach (var (kind, name) in names.All)
        {
            if (LabDocker.Run(socket, ["image", "inspect", "--format", "{{.Id}}", name]).Ok)
            {
                continue;
            }

            var label = $"microblog.lab.stand-in={kind.ToString().ToLowerInvariant()}";
            var id = LabDocker.Run(socket, ["images", "--filter", "label=" + label, "--format", "{{.ID}}"]).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()
                ?? throw new InvalidOperationException($"no stand-in image labelled {label} on the daemon at {socket}");
            Check(LabDocker.Run(socket, ["tag", id.Trim(), name]));
            tagged.Add(name);
        }

        return tagged;
    }

    /// <summary>One build context per kind: its Dockerfile and, for app and crate, the published program; for a monitoring kind, its root filesystem.</summary>
    private static Dictionary<StandInKind, string> Contexts(BaseRootfs rootfs, string published)
    {
        lock (Gate)
        {
            var contexts = new Dictionary<StandInKind, string>();
            foreach (var kind in Enum.GetValues<StandInKind>())
            {
                var dir = Path.Combine(WorkDir, "contexts", rootfs.Hash, kind.ToString().ToLowerInvariant());
                if (!Directory.Exists(dir))
                {
                    var temp = dir + ".tmp";
                    Directory.CreateDirectory(temp);
                    File.WriteAllText(Path.Combine(temp, "Dockerfile"), Dockerfile(kind, rootfs) + "\n");
                    var program = kind switch { StandInKind.App => "app", StandInKind.Crate => "double", _ => null };
                    if (program is not null)
                    {
                        Shell.Check("cp", "-a", Path.Combine(published, program), Path.Combine(temp, program));
                    }

                    if (kind == StandInKind.Crate)
                    {
                        var entrypoint = Path.Combine(temp, "docker-entrypoint.sh");
                        File.WriteAllText(entrypoint, CrateEntrypoint + "\n");
                        File.SetUnixFileMode(entrypoint, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
                    }

                    if (MonitoringLayer(kind, rootfs) is { } layer)
                    {
                        // A hard link where the cache and the run folder share a file system: the layers are tens of MB.
                        if (!Shell.Run("ln", layer, Path.Combine(temp, Path.GetFileName(layer))).Ok)
                        {
                            File.Copy(layer, Path.Combine(temp, Path.GetFileName(layer)));
                        }
                    }

                    Directory.Move(temp, dir);
                }

                contexts[kind] = dir;
            }

            return contexts;
        }
    }

    private static void Check(ShellResult result)
    {
        if (!result.Ok)
        {
            throw new InvalidOperationException(result.ToString());
        }
    }
}
