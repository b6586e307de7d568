using Infra.Live.Tests.Harness;
using Infra.Live.Tests.Harness.Containers;
using Infra.Topology;
using Infra.Topology.Configs;
using Infra.Topology.Model;
using Infra.Topology.Plan;
using Infra.Topology.Spec;

namespace Infra.Live.Tests;

/// <summary>
/// The container tier's lab itself: stand-in images built from Debian 13 packages, and hosts that run their own
/// Docker engine and sshd in their own network and mount namespaces, reached as deploy@host from outside.
/// </summary>
public class ContainerLabTests(ITestOutputHelper output)
{
    private static readonly string[] StackNames = Directory.GetFiles(Path.Combine(Stacks.Root, "stacks"), "Pulumi.*.yaml")
        .Select(f => Path.GetFileName(f)["Pulumi.".Length..^".yaml".Length])
        .Order(StringComparer.Ordinal)
        .ToArray();

    private static readonly ImageNames TwoHostImages = ImageNames.Of(Stacks.Spec("two-host"));

    [LiveFact("debootstrap", "unshare", "chroot", "tar")]
    public void Every_rendered_proxy_config_passes_the_haproxy_3_0_and_nginx_1_26_of_the_stand_in_images()
    {
        var rootfs = BaseRootfs.Ensure(output.WriteLine);
        var (haproxy, nginx) = ProxyConfigCheck.Versions(rootfs);
        output.WriteLine($"{haproxy}; {nginx}");
        Assert.StartsWith("HAProxy version 3.0.", haproxy);
        Assert.Contains("nginx/1.26.", nginx);

        // The checks can fail: a directive neither server knows.
        Assert.False(ProxyConfigCheck.Haproxy(rootfs, "global\n    no-such-directive on\n").Ok);
        Assert.False(ProxyConfigCheck.Nginx(rootfs, "events {}\nno_such_directive on;\n").Ok);

        var checkedFiles = new HashSet<string>(StringComparer.Ordinal);
        var failures = new List<string>();
        foreach (var stack in StackNames)
        {
            var topology = TopologyResolver.Resolve(Stacks.Spec(stack));
            foreach (var file in Render.All(topology).Concat(Render.All(topology, RunMode.Containers)))
            {
                var isHaproxy = file.Path is FilePaths.Haproxy or FilePaths.LoadBalancer;
                if ((!isHaproxy && file.Path != FilePaths.Nginx) || !checkedFiles.Add(file.Sha256))
                {
                    continue;
                }

                var clock = System.Diagnostics.Stopwatch.StartNew();
                var result = isHaproxy ? ProxyConfigCheck.Haproxy(rootfs, file.Content) : ProxyConfigCheck.Nginx(rootfs, file.Content);
                output.WriteLine($"{stack}/{file.Host}/{file.Path}: {(result.Ok ? "valid" : "INVALID")} ({clock.ElapsedMilliseconds} ms)");
                if (!result.Ok)
                {
                    failures.Add($"{stack}/{file.Host}/{file.Path}: {result.Stderr.Trim()} {result.Stdout.Trim()}");
                }
            }
        }

        Assert.True(checkedFiles.Count >= StackNames.Length, $"only {checkedFiles.Count} proxy configs found in {StackNames.Length} stacks");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [LiveFact("dockerd", "sshd", "ssh", "ssh-agent", "ssh-keygen", "sudo", "useradd", "unshare")]
    public Task Each_host_lets_deploy_in_over_ssh_with_sudo_and_shows_only_its_own_etc_microblog() =>
        ContainerLab.Run(output, ["host1", "host2"], images: null, lab =>
        {
            var markers = lab.Hosts.ToDictionary(h => h.Name, h => $"{h.Name} {Guid.NewGuid():N}");
            foreach (var host in lab.Hosts)
            {
                File.WriteAllText(Path.Combine(host.ConfigDir, "marker"), markers[host.Name] + "\n");
            }

            foreach (var host in lab.Hosts)
            {
                var seen = lab.Ssh(host, "sudo -n true && cat /etc/microblog/marker && whoami");
                Assert.True(seen.Ok, seen.ToString());
                Assert.Equal($"{markers[host.Name]}\n{DeployAccess.User}", seen.Stdout.Trim());
            }

            // The root namespace's /etc/microblog is neither host's.
            Assert.False(File.Exists(Path.Combine(DeployAccess.ConfigRoot, "marker")), "the hosts' marker leaked into the root namespace's /etc/microblog");
            var root = lab.AsRoot(lab["host2"], "cat /etc/microblog/marker; ls /run");
            Assert.True(root.Ok, root.ToString());
            Assert.StartsWith(markers["host2"], root.Stdout);
            Assert.Contains("docker.sock", root.Stdout);
            return Task.CompletedTask;
        });

    [LiveFact("dockerd", "sshd", "ssh", "ssh-agent", "ssh-keygen", "sudo", "useradd", "unshare", "debootstrap")]
    public Task Docker_over_ssh_runs_the_stand_in_nginx_image_under_the_stack_s_name() =>
        ContainerLab.Run(output, ["host1", "host2"], TwoHostImages, lab =>
        {
            var host1 = lab["host1"];
            var run = lab.DockerOverSsh(host1, "run", "--rm", "--network", "host", TwoHostImages.Nginx, "nginx", "-v");
            output.WriteLine(run.ToString());
            Assert.True(run.Ok, run.ToString());
            Assert.Contains("nginx/1.26.", run.Stderr + run.Stdout);

            var images = lab.DockerOverSsh(host1, "image", "ls", "--format", "{{.Repository}}:{{.Tag}}");
            Assert.True(images.Ok, images.ToString());
            Assert.All(TwoHostImages.All, image => Assert.Contains(image.Name, images.Stdout));

            // Over SSH it reached host1's own engine: a host-network container there sees host1's address and not host2's.
            var info = lab.DockerOverSsh(host1, "run", "--rm", "--network", "host", TwoHostImages.Nginx, "cat", "/proc/net/fib_trie");
            Assert.True(info.Ok, info.ToString());
            Assert.Contains(host1.Address, info.Stdout);
            Assert.DoesNotContain(lab["host2"].Address, info.Stdout);
            return Task.CompletedTask;
        });

    [LiveFact("dockerd", "sshd", "ssh", "ssh-agent", "ssh-keygen", "sudo", "useradd", "unshare", "debootstrap")]
    public Task A_haproxy_container_with_a_read_only_config_answers_from_outside_as_its_unprivileged_user() =>
        ContainerLab.Run(output, ["host1", "host2"], TwoHostImages, async lab =>
        {
            var (host1, host2) = (lab["host1"], lab["host2"]);
            var config = """
                global
                    master-worker

                defaults
                    mode http
                    timeout connect 1s
                    timeout client 5s
                    timeout server 5s

                frontend lab
                    bind *:8080
                    http-request return status 200 content-type text/plain string "haproxy on host1"

                """;
            var write = lab.Ssh(host1, "sudo -n mkdir -p /etc/microblog/lab && sudo -n tee /etc/microblog/lab/haproxy.cfg >/dev/null", config);
            Assert.True(write.Ok, write.ToString());
            var run = lab.DockerOverSsh(host1, "run", "-d", "--name", "lab-haproxy", "--network", "host",
                "-v", "/etc/microblog/lab/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro", TwoHostImages.Haproxy);
            Assert.True(run.Ok, run.ToString());

            var url = $"http://{host1.Address}:8080/";
            await lab.Net.WaitForHttp(lab.Net.Outside, url, TimeSpan.FromSeconds(10));
            var response = await lab.Net.Get(lab.Net.Outside, url);
            Assert.Equal(200, response.Status);
            Assert.Equal("haproxy on host1", response.Body);
            Assert.False(await NetnsLab.CanConnect(lab.Net.Outside, host2.Address, 8080, TimeSpan.FromSeconds(1)), "host2 answers on 8080: the container is not on host1 alone");

            var mounts = lab.Docker(host1, "inspect", "--format", "{{range .Mounts}}{{.Destination}} rw={{.RW}};{{end}}", "lab-haproxy");
            Assert.Equal("/usr/local/etc/haproxy/haproxy.cfg rw=false;", mounts.Stdout.Trim());
            var user = lab.Docker(host1, "exec", "lab-haproxy", "id", "-un");
            Assert.Equal("haproxy", user.Stdout.Trim());
            // Master and worker, both as the image's user (uid 99, as in the official image), none as root.
            var top = lab.Docker(host1, "top", "lab-haproxy", "-o", "pid,uid,comm");
            output.WriteLine(top.Stdout);
            var processes = top.Stdout.Trim().Split('\n').Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
            Assert.True(processes.Count(p => p[2] == "haproxy") >= 2, top.ToString());
            Assert.All(processes, p => Assert.Equal("99", p[1]));
        });

    [LiveFact("dockerd", "sshd", "ssh", "ssh-agent", "ssh-keygen", "sudo", "useradd", "unshare", "debootstrap")]
    public Task The_stand_ins_serve_host1_of_two_host_from_its_planned_containers_and_rendered_files() =>
        ContainerLab.Run(output, ["host1", "host2"], TwoHostImages, async lab =>
        {
            var spec = Stacks.Spec("two-host");
            var addresses = lab.Hosts.ToDictionary(h => h.Name, h => h.Address);
            addresses[spec.LoadBalancer!.Name] = NetnsLab.Subnet + ".10";
            var plan = Planner.Plan(TopologyResolver.Resolve(LabStack.WithLabAddresses(spec, addresses)));
            var host1 = lab["host1"];
            var placed = plan.Hosts.Single(h => h.Host.Name == host1.Name);
            foreach (var file in placed.Files)
            {
                var path = host1.ConfigDir + file.HostPath[DeployAccess.ConfigRoot.Length..];
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                file.File.WriteTo(path);
            }

            // The plan's admin network first: the node binds its gateway address, as its crate.yml says.
            var admin = lab.Ssh(host1, ((CommandStep)plan.Step($"{host1.Name}-prepare-crate-admin-network")).Script);
            Assert.True(admin.Ok, admin.ToString());

            // As the plan's containers, in its rollout order (data tier first), created over SSH.
            foreach (var service in placed.Services.OrderBy(s => s.Role switch { Role.Crate => 0, Role.App => 1, Role.Haproxy => 2, _ => 3 }))
            {
                var container = service.Container;
                var args = new List<string> { "run", "-d", "--name", container.Name, "--network", container.NetworkMode, "--restart", container.RestartPolicy };
                args.AddRange(container.User is { } user ? ["--user", user] : []);
                args.AddRange(container.Environment.SelectMany(e => new[] { "-e", e }));
                args.AddRange(container.Mounts.SelectMany(m => new[] { "-v", $"{m.Source}:{m.Target}" + (m.ReadOnly ? ":ro" : "") }));
                args.Add(container.Image);
                args.AddRange(container.Command);
                var run = lab.DockerOverSsh(host1, args, stdin: "");
                Assert.True(run.Ok, run.ToString());
            }

            var clock = System.Diagnostics.Stopwatch.StartNew();
            await lab.Net.WaitForHttp(lab.Net.Outside, $"http://{host1.Address}/health", TimeSpan.FromSeconds(30));
            output.WriteLine($"nginx -> haproxy -> app answered {clock.ElapsedMilliseconds} ms after the last container started");
            var health = await lab.Net.Get(lab.Net.Outside, $"http://{host1.Address}/health");
            Assert.Equal("ok", health.Body.Trim());
            // Host-based auth admits nobody from outside without credentials, the superuser least of all.
            var crate = await lab.Net.Get(lab.Net.Outside, $"http://{host1.Address}:4200/");
            Assert.Equal(401, crate.Status);
            // As crate/docker-crate: the entrypoint runs as root, chowns /data to crate and starts the double as uid 1000.
            var data = lab.Docker(host1, "exec", "host1-crate-4200", "sh", "-c", "stat -c %u /proc/1; ls -ld /data | cut -d' ' -f3");
            Assert.Equal("1000\ncrate", data.Stdout.Trim());
        });

    [LiveFact("dockerd", "sshd", "ssh", "ssh-agent", "ssh-keygen", "sudo", "useradd", "unshare", "debootstrap")]
    public async Task Teardown_leaves_no_engine_sshd_container_mount_user_or_sudoers_file()
    {
        var userBefore = Shell.Run("getent", "passwd", DeployAccess.User).Ok;
        var configRootBefore = Directory.Exists(DeployAccess.ConfigRoot);
        var keyBefore = File.Exists("/etc/docker/key.json");
        ContainerLab? seen = null;
        await ContainerLab.Run(output, ["host1", "host2"], TwoHostImages, lab =>
        {
            seen = lab;
            foreach (var host in lab.Hosts)
            {
                var run = lab.DockerOverSsh(host, "run", "-d", "--network", "host", "--restart", "unless-stopped", TwoHostImages.Nginx, "sleep", "600");
                Assert.True(run.Ok, run.ToString());
            }

            Assert.NotEmpty(ContainerTraces.Processes(text => text.Contains(lab.Net.RunDir + "/", StringComparison.Ordinal)));
            Assert.NotEmpty(ContainerTraces.Processes(text => text.Contains("/" + lab.Net.Prefix, StringComparison.Ordinal)));
            Assert.True(File.Exists(lab.Access.SudoersFile));
            return Task.CompletedTask;
        });

        var lab = seen!;
        var runDir = lab.Net.RunDir;
        bool NamesLab(string text) => text.Contains(runDir, StringComparison.Ordinal) || text.Contains(lab.Net.Prefix, StringComparison.Ordinal);
        Assert.Empty(ContainerTraces.Processes(NamesLab));
        Assert.DoesNotContain(ProcessTable.Snapshot(), p => p.CommandLine.StartsWith("dockerd", StringComparison.Ordinal) && p.CommandLine.Contains(runDir, StringComparison.Ordinal));
        Assert.Empty(ContainerTraces.Mounts(NamesLab));
        Assert.Empty(ContainerTraces.CgroupDirs(NamesLab));
        Assert.False(File.Exists(lab.Access.SudoersFile), lab.Access.SudoersFile);
        Assert.False(Directory.Exists(runDir), runDir);
        Assert.Equal(userBefore, Shell.Run("getent", "passwd", DeployAccess.User).Ok);
        Assert.Equal(configRootBefore, Directory.Exists(DeployAccess.ConfigRoot));
        Assert.Equal(keyBefore, File.Exists("/etc/docker/key.json"));
    }
}
