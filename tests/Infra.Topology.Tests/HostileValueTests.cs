using Infra.Topology.Plan;
using Infra.Topology.Spec;
using Infra.Topology.Tests.Support;

namespace Infra.Topology.Tests;

/// <summary>
/// Every stack-file value that reaches a shell, a config file, a URL or a container, fed what an attacker or a
/// careless operator would write: one clear error at the value's key and line, and no spec (so nothing is rendered,
/// planned or deployed).
/// </summary>
public class HostileValueTests
{
    private static Diagnostic Rejected(string stack, string yaml, string key)
    {
        var result = SpecLoader.LoadYaml(yaml, $"stacks/Pulumi.{stack}.yaml", stack);
        Assert.Null(result.Spec);
        var error = Assert.Single(result.Errors);
        Assert.Equal(key, error.KeyPath);
        Assert.NotNull(error.Line);
        Assert.StartsWith($"stacks/Pulumi.{stack}.yaml:{error.Line}:", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("e.g. ", error.Message, StringComparison.Ordinal);
        return error;
    }

    private static string Dev(string extra) => File.ReadAllText(Repo.StackFile("dev")) + extra;

    [Theory]
    [InlineData("/h$(touch /tmp/pwned)")]
    [InlineData("/health?a=1&b=2;reboot")]
    [InlineData("/health#x")]
    [InlineData("/he alth")]
    [InlineData("health")]
    [InlineData("/h'x")]
    [InlineData("/h\"x")]
    [InlineData("/h`id`")]
    [InlineData("/h%zz")]
    [InlineData("/h{x}")]
    public void A_health_check_path_that_is_not_a_plain_url_path_is_refused(string path) =>
        Rejected("dev", Dev($"  microblog:healthCheckPath: '{path.Replace("'", "''", StringComparison.Ordinal)}'\n"), "microblog:healthCheckPath");

    [Theory]
    [InlineData("/health")]
    [InlineData("/api/v1/health")]
    [InlineData("/health?probe=lb&full=1")]
    [InlineData("/h%20x")]
    public void A_plain_url_path_with_a_query_is_accepted(string path) =>
        Assert.Null(Grammar.HealthCheckPath(path));

    [Theory]
    [InlineData("nginx:1.27; rm -rf /")]
    [InlineData("Nginx:1.27")]
    [InlineData("nginx:1.27\n--privileged")]
    [InlineData("--privileged")]
    [InlineData("nginx:")]
    [InlineData("registry.example.com:99x/app")]
    [InlineData("nginx@sha256:abc")]
    public void An_image_that_is_not_a_docker_reference_is_refused(string image) =>
        Rejected("dev", Dev($"  microblog:images.nginx: \"{image.Replace("\n", "\\n", StringComparison.Ordinal)}\"\n").Replace("  microblog:images:\n    app:", "  microblog:images:\n    nginx: x\n    app:", StringComparison.Ordinal).Replace("  microblog:images.nginx: \"", "#", StringComparison.Ordinal).Replace("nginx: x", $"nginx: \"{image.Replace("\n", "\\n", StringComparison.Ordinal)}\"", StringComparison.Ordinal), "microblog:images.nginx");

    [Theory]
    [InlineData("nginx:1.27")]
    [InlineData("registry.example.com:5000/microblog/app:1.0.0")]
    [InlineData("crate@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("library/haproxy")]
    public void Docker_references_are_accepted(string image) => Assert.Null(Grammar.ImageReference(image));

    [Theory]
    [InlineData("bin/app\n[program:evil]")]
    [InlineData("bin/app %(ENV_HOME)s")]
    [InlineData("bin/app ;comment")]
    [InlineData("bin/app 'quoted arg'")]
    [InlineData("bin/app  two-spaces")]
    [InlineData("bin/app $(id)")]
    public void A_command_supervisord_would_misread_is_refused(string command) =>
        Rejected("single-host", File.ReadAllText(Repo.StackFile("single-host")) + $"  microblog:commands:\n    app: \"{command.Replace("\n", "\\n", StringComparison.Ordinal)}\"\n", "microblog:commands.app");

    [Theory]
    [InlineData("deploy@evil")]
    [InlineData("de ploy")]
    [InlineData("Deploy")]
    [InlineData("-oProxyCommand=id")]
    [InlineData("deploy:x")]
    public void An_ssh_user_that_is_not_a_user_name_is_refused(string user) =>
        Rejected("two-host", File.ReadAllText(Repo.StackFile("two-host")).Replace("      address: 192.0.2.12\n", $"      address: 192.0.2.12\n      ssh:\n        user: \"{user}\"\n", StringComparison.Ordinal), "microblog:hosts[1].ssh.user");

    [Theory]
    [InlineData("ssh://deploy@host;id")]
    [InlineData("ssh://de ploy@host")]
    [InlineData("tcp://192.0.2.12")]
    [InlineData("unix://relative/docker.sock")]
    [InlineData("http://192.0.2.12:2375")]
    [InlineData("ssh://deploy@192.0.2.12:99999")]
    public void A_docker_endpoint_outside_its_grammar_is_refused(string endpoint) =>
        Rejected("two-host", File.ReadAllText(Repo.StackFile("two-host")).Replace("      address: 192.0.2.12\n", $"      address: 192.0.2.12\n      docker: \"{endpoint}\"\n", StringComparison.Ordinal), "microblog:hosts[1].docker");

    [Theory]
    [InlineData("ssh://deploy@192.0.2.12")]
    [InlineData("ssh://deploy@[2001:db8::12]:2222")]
    [InlineData("tcp://docker.example.com:2376")]
    [InlineData("unix:///var/run/docker.sock")]
    public void Docker_endpoints_in_their_grammar_are_accepted(string endpoint) => Assert.Null(Grammar.DockerEndpoint(endpoint));

    [Theory]
    [InlineData("2g; id")]
    [InlineData("-Xmx2g")]
    [InlineData("2 g")]
    public void A_heap_size_that_is_not_a_size_is_refused(string heap) =>
        Rejected("dev", Dev($"  microblog:crate:\n    heapSize: \"{heap}\"\n"), "microblog:crate.heapSize");

    [Theory]
    [InlineData("Prod", "microblog-prod")]
    [InlineData("eu.prod", "microblog-eu-prod")]
    [InlineData("team/stack", "microblog-team-stack")]
    public void Any_pulumi_stack_name_gives_a_valid_default_cluster_name(string stack, string cluster)
    {
        var result = SpecLoader.LoadYaml(File.ReadAllText(Repo.StackFile("dev")), $"stacks/Pulumi.{stack}.yaml", stack);

        Assert.True(result.Ok, string.Join("\n", result.Errors));
        Assert.Equal(cluster, result.Spec!.ClusterName);
    }

    [Fact]
    public void A_very_long_stack_name_still_gives_a_cluster_name_of_at_most_63_characters()
    {
        var result = SpecLoader.LoadYaml(File.ReadAllText(Repo.StackFile("dev")), "stacks/Pulumi.x.yaml", new string('a', 100));

        Assert.True(result.Ok, string.Join("\n", result.Errors));
        Assert.Equal(63, result.Spec!.ClusterName.Length);
    }

    [Fact]
    public void An_ipv6_host_is_bracketed_in_its_docker_endpoint_and_every_url()
    {
        var plan = Planner.Plan(Repo.TopologyEdited("two-host", yaml => yaml.Replace("192.0.2.11", "2001:db8::11", StringComparison.Ordinal).Replace("192.0.2.12", "2001:db8::12", StringComparison.Ordinal).Replace("192.0.2.10", "2001:db8::10", StringComparison.Ordinal)));

        Assert.Equal("ssh://deploy@[2001:db8::11]", ((EngineStep)plan.Step("host1-docker")).Endpoint);
        Assert.Equal(["http://[2001:db8::10]:80/"], plan.Outputs.FrontDoorUrls);
        Assert.Contains("http://[2001:db8::11]:4200/", plan.Outputs.CrateAdminUrls);
        Assert.Equal("http://[2001:db8::11]:9210/health", ((ContainerStep)plan.Step("host1-app-9210-container")).Spec.Health.Test[^1]);
        Assert.Contains("'http://[2001:db8::10]:80/health'", ((CommandStep)plan.Step("check-front-door-front-lb")).Script, StringComparison.Ordinal);
    }
}
