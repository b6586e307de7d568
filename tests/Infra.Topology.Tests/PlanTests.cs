using Infra.Topology.Configs;
using Infra.Topology.Plan;
using Infra.Topology.Spec;
using Infra.Topology.Tests.Support;

namespace Infra.Topology.Tests;

public class PlanTests
{
    [Theory]
    [MemberData(nameof(SpecLoaderTests.Stacks), MemberType = typeof(SpecLoaderTests))]
    public void Every_rendered_file_is_placed_on_its_host_exactly_once(string stack)
    {
        var topology = Repo.Topology(stack);
        var plan = Planner.Plan(topology);

        var placed = plan.Hosts.SelectMany(h => h.Files.Select(f => (h.Host.Name, f.File))).ToList();
        Assert.Equal(Render.All(topology).Select(f => (f.Host, f)), placed);
        Assert.All(plan.Hosts.SelectMany(h => h.Files), f => Assert.Equal($"/etc/microblog/{stack}/{f.File.Path}", f.HostPath));
    }

    [Theory]
    [MemberData(nameof(SpecLoaderTests.Stacks), MemberType = typeof(SpecLoaderTests))]
    public void Every_instance_is_one_container_with_its_own_config_mounted(string stack)
    {
        var topology = Repo.Topology(stack);
        var plan = Planner.Plan(topology);

        var services = plan.Hosts.SelectMany(h => h.Services).ToList();
        Assert.Equal(topology.Instances.Select(i => i.Name), services.Select(s => s.Name));
        Assert.All(services, s =>
        {
            var file = Assert.Single(s.Files);
            Assert.Equal(s.Name, file.File.Instance);
            Assert.NotNull(file.ContainerPath);
        });
    }

    [Fact]
    public void Crate_hosts_get_the_mmap_count_and_a_data_volume_and_heap()
    {
        var plan = Planner.Plan(Repo.Topology("two-host"));
        var host1 = plan.Hosts.Single(h => h.Host.Name == "host1");
        var front = plan.Hosts.Single(h => h.Host.Name == "front");

        Assert.Contains(host1.Preparation, c => c.Script.Contains("vm.max_map_count=262144") && c.Script.Contains("/etc/sysctl.d/"));
        Assert.DoesNotContain(front.Preparation, c => c.Name == "max-map-count");

        var crate = host1.Services.Single(s => s.Role == Role.Crate);
        Assert.Equal("host1-crate-4200-data", crate.DataVolume);
        Assert.Contains("CRATE_HEAP_SIZE=2g", crate.Environment);
        Assert.Equal([4200, 4300, 5432], crate.Ports);
    }

    [Fact]
    public void Config_changes_reload_proxies_and_restart_apps()
    {
        var plan = Planner.Plan(Repo.Topology("two-host"));
        var services = plan.Hosts.SelectMany(h => h.Services).ToDictionary(s => s.Name);

        Assert.Equal("docker kill --signal=HUP host1-nginx", services["host1-nginx"].Apply!.Script);
        Assert.Equal("docker kill --signal=USR2 host1-haproxy", services["host1-haproxy"].Apply!.Script);
        Assert.Equal("docker restart host2-app-9210", services["host2-app-9210"].Apply!.Script);
        Assert.Null(services["host1-crate-4200"].Apply);
        Assert.Equal("root", services["front-lb"].User);
        Assert.Null(services["host1-haproxy"].User);
    }

    [Fact]
    public void The_checks_count_crate_nodes_and_call_the_front_door()
    {
        var plan = Planner.Plan(Repo.Topology("three-host"));

        Assert.Contains(plan.Checks, c => c.Name == "crate-cluster" && c.Script.Contains("sys.nodes") && c.Script.Contains("\"3\""));
        Assert.Contains(plan.Checks, c => c.Name == "front-door-front-lb" && c.Script.Contains("http://192.0.2.10:80/health"));
    }

    [Fact]
    public void Adding_a_host_changes_no_existing_container_only_files()
    {
        var two = Planner.Plan(Repo.Topology("two-host")).Hosts.SelectMany(h => h.Services).ToDictionary(s => s.Name);
        var three = Planner.Plan(Repo.Topology("three-host")).Hosts.SelectMany(h => h.Services).ToDictionary(s => s.Name);

        foreach (var (name, before) in two)
        {
            var after = three[name];
            Assert.Equal(before with { Files = after.Files }, after);
        }

        Assert.Contains(two.Values, s => s.Files[0].Sha256 != three[s.Name].Files[0].Sha256);
    }
}
