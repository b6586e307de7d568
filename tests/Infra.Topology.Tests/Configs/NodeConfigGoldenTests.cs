using Infra.Topology.Configs;
using Infra.Topology.Model;
using Infra.Topology.Spec;
using Infra.Topology.Tests.Support;

namespace Infra.Topology.Tests.Configs;

/// <summary>golden/&lt;stack&gt;/&lt;host&gt;/&lt;path&gt; for the node-level files: app.conf, crate.yml, log4j2.properties, supervisord.conf, nftables.conf.</summary>
public class NodeConfigGoldenTests
{
    [Theory]
    [MemberData(nameof(Repo.Stacks), MemberType = typeof(Repo))]
    public void Node_configs_match_their_golden_files(string stack)
    {
        var topology = Repo.Topology(stack);
        foreach (var host in topology.Hosts)
        {
            foreach (var instance in topology.On(host.Name))
            {
                if (instance.Role == Role.App)
                {
                    Golden.Check($"{stack}/{host.Name}/{FilePaths.App(instance)}", AppConfig.Render(topology, instance));
                }
                else if (instance.Role == Role.Crate)
                {
                    Golden.Check($"{stack}/{host.Name}/{FilePaths.Crate(instance)}", CrateConfig.Render(topology, instance));
                    if (topology.DefaultRunMode == RunMode.Supervisord)
                    {
                        Golden.Check($"{stack}/{host.Name}/{FilePaths.CrateLogging(instance)}", CrateConfig.Logging(topology, instance));
                    }
                }
            }

            if (topology.DefaultRunMode == RunMode.Supervisord)
            {
                Golden.Check($"{stack}/{host.Name}/{FilePaths.Supervisord}", SupervisordConfig.Render(topology, host));
            }

            Golden.Check($"{stack}/{host.Name}/{FilePaths.Firewall}", FirewallConfig.Render(topology, host));
        }
    }

    [Theory]
    [MemberData(nameof(Repo.Stacks), MemberType = typeof(Repo))]
    public void Rendering_twice_gives_identical_text(string stack)
    {
        string RenderAll()
        {
            var topology = Repo.Topology(stack);
            return string.Concat(topology.Hosts.Select(h => FirewallConfig.Render(topology, h)))
                + string.Concat(topology.Of(Role.App).Select(a => AppConfig.Render(topology, a)))
                + string.Concat(topology.Of(Role.Crate).Select(c => CrateConfig.Render(topology, c)));
        }

        Assert.Equal(RenderAll(), RenderAll());
    }
}
