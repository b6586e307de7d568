using Infra.Topology.Plan;
using Infra.Topology.Tests.Support;

namespace Infra.Topology.Tests.Plan;

public class DockerCliTests
{
    [Fact]
    public void A_crate_node_becomes_the_docker_create_an_operator_would_type()
    {
        var plan = Planner.Plan(Repo.Topology("two-host"));
        var spec = ((ContainerStep)plan.Step("host1-crate-4200-container")).Spec;

        Assert.Equal(
        [
            "create", "--name", "host1-crate-4200", "--network", "host", "--restart", "unless-stopped",
            "--env", "CRATE_HEAP_SIZE=2g",
            "--mount", "type=bind,source=/etc/microblog/two-host/crate-4200/crate.yml,target=/crate/config/crate.yml,readonly",
            "--mount", "type=volume,source=host1-crate-4200-data,target=/data",
            "--label", "microblog.stack=two-host", "--label", "microblog.role=Crate", "--label", "microblog.ports=4200,4300,5432",
            "--health-cmd", "'curl' '-sS' '-o' '/dev/null' 'http://192.0.2.11:4200/'",
            "--health-interval", "2s", "--health-timeout", "2s", "--health-retries", "3", "--health-start-period", "60s",
            "crate:5.10",
        ], DockerCli.CreateArguments(spec));
    }

    [Fact]
    public void The_app_gets_its_command_and_the_load_balancer_its_user()
    {
        var plan = Planner.Plan(Repo.Topology("two-host"));

        var app = DockerCli.CreateArguments(((ContainerStep)plan.Step("host2-app-9210-container")).Spec);
        Assert.Equal(["registry.example.com/microblog/app:1.0.0", "/etc/microblog/app.conf"], app.TakeLast(2));
        var lb = DockerCli.CreateArguments(((ContainerStep)plan.Step("front-lb-container")).Spec);
        Assert.Equal(["--user", "root"], lb.SkipWhile(a => a != "--user").Take(2));
    }

    /// <summary>Every field of the spec reaches the arguments: a field added to ContainerSpec but not mapped fails here.</summary>
    [Fact]
    public void Changing_any_field_of_the_spec_changes_the_arguments()
    {
        var spec = ((ContainerStep)Planner.Plan(Repo.Topology("two-host")).Step("host1-crate-4200-container")).Spec;
        var variants = new Dictionary<string, ContainerSpec>
        {
            [nameof(ContainerSpec.Name)] = spec with { Name = "other" },
            [nameof(ContainerSpec.Image)] = spec with { Image = "crate:6" },
            [nameof(ContainerSpec.Command)] = spec with { Command = ["-Cx=y"] },
            [nameof(ContainerSpec.Environment)] = spec with { Environment = ["A=B"] },
            [nameof(ContainerSpec.User)] = spec with { User = "root" },
            [nameof(ContainerSpec.Mounts)] = spec with { Mounts = [new Mount(MountKind.Bind, "/a", "/b", ReadOnly: false)] },
            [nameof(ContainerSpec.Health)] = spec with { Health = spec.Health with { Retries = 9 } },
            [nameof(ContainerSpec.RestartPolicy)] = spec with { RestartPolicy = "always" },
            [nameof(ContainerSpec.NetworkMode)] = spec with { NetworkMode = "bridge" },
            [nameof(ContainerSpec.Labels)] = spec with { Labels = [] },
        };

        Assert.Equal(
            typeof(ContainerSpec).GetProperties().Where(p => p.DeclaringType == typeof(ContainerSpec) && p.GetMethod!.IsPublic && p.SetMethod is not null).Select(p => p.Name).Order(),
            variants.Keys.Order());
        var original = DockerCli.CreateArguments(spec);
        Assert.All(variants, v => Assert.NotEqual(original, DockerCli.CreateArguments(v.Value)));
    }

    [Fact]
    public void A_health_check_in_exec_form_keeps_each_argument_whole_in_the_shell_form()
    {
        Assert.Equal("'bash' '-c' 'exec 3<>/dev/tcp/a/1 && case \"$x\" in *'\\'' 200 '\\''*) exit 0;; esac'",
            DockerCli.HealthCommand(["CMD", "bash", "-c", "exec 3<>/dev/tcp/a/1 && case \"$x\" in *' 200 '*) exit 0;; esac"]));
        Assert.Equal("true", DockerCli.HealthCommand(["CMD-SHELL", "true"]));
    }
}
