using Infra.Topology.Spec;
using Infra.Topology.Tests.Support;

namespace Infra.Topology.Tests;

public class SpecLoaderTests
{
    [Theory]
    [MemberData(nameof(Repo.Stacks), MemberType = typeof(Repo))]
    public void Every_committed_stack_loads_without_errors(string stack)
    {
        var result = SpecLoader.LoadFile(Repo.StackFile(stack));

        Assert.Empty(result.Errors);
        Assert.Equal(stack, result.Spec!.Stack);
    }

    [Theory]
    [MemberData(nameof(Repo.Stacks), MemberType = typeof(Repo))]
    public void Pulumi_config_values_give_the_same_spec_as_the_stack_file(string stack)
    {
        var fromFile = SpecLoader.LoadFile(Repo.StackFile(stack));
        var values = PulumiConfigOf.StackFile(Repo.StackFile(stack));

        var fromPulumi = SpecLoader.LoadPulumiConfig(values, stack, Repo.StackFile(stack));

        Assert.True(fromPulumi.Ok, string.Join("\n", fromPulumi.Diagnostics));
        Assert.Equal(fromFile.Spec, fromPulumi.Spec);
        Assert.Equal(fromFile.Diagnostics, fromPulumi.Diagnostics.Select(d => d with { Line = null, Column = null }).ToEquatableArray(),
            new DiagnosticsIgnoringPosition());
    }

    [Fact]
    public void The_stack_name_comes_from_the_file_name()
    {
        Assert.Equal("two-host", ConfigSources.StackNameOf("stacks/Pulumi.two-host.yaml"));
        Assert.Equal("microblog-two-host", Repo.Spec("two-host").ClusterName);
    }

    [Fact]
    public void Defaults_are_the_reference_designs_ports()
    {
        var spec = Repo.Spec("two-host");

        Assert.Equal(new PortSpec(80, 9100, 9210, 4200, 4300, 5432, 80, 443), spec.Ports);
        Assert.Equal("/health", spec.HealthCheckPath);
        Assert.Equal("2g", spec.Crate.HeapSize);
    }

    [Fact]
    public void Malformed_yaml_reports_line_and_column()
    {
        var result = SpecLoader.LoadYaml("config:\n  microblog:layout: dev\n  microblog:hosts: [\n", "stacks/Pulumi.bad.yaml", "bad");

        var error = Assert.Single(result.Errors);
        Assert.Equal("stacks/Pulumi.bad.yaml", error.File);
        Assert.NotNull(error.Line);
        Assert.StartsWith("stacks/Pulumi.bad.yaml:", error.ToString());
        Assert.Contains("not valid YAML", error.Message);
    }

    [Fact]
    public void A_file_without_a_config_block_says_what_to_write()
    {
        var result = SpecLoader.LoadYaml("microblog:layout: dev\n", "stacks/Pulumi.x.yaml", "x");

        Assert.Contains(result.Errors, e => e.KeyPath == "config" && e.Message.Contains("config:"));
    }

    [Fact]
    public void Keys_of_other_namespaces_belong_to_providers_and_are_left_alone()
    {
        var result = Repo.LoadEdited("two-host", text => text.Replace("config:\n", "config:\n  docker:host: unix:///var/run/docker.sock\n"));

        Assert.True(result.Ok, string.Join("\n", result.Diagnostics));
    }

    [Fact]
    public void Pulumi_config_that_is_not_json_is_reported_against_its_key()
    {
        var values = PulumiConfigOf.StackFile(Repo.StackFile("dev"));
        values["microblog:hosts"] = "[{\"name\": ";

        var result = SpecLoader.LoadPulumiConfig(values, "dev");

        var error = Assert.Single(result.Errors);
        Assert.Equal("microblog:hosts", error.KeyPath);
    }

    private sealed class DiagnosticsIgnoringPosition : IEqualityComparer<EquatableArray<Diagnostic>>
    {
        public bool Equals(EquatableArray<Diagnostic> x, EquatableArray<Diagnostic> y) =>
            x.Select(d => d with { Line = null, Column = null }).SequenceEqual(y);

        public int GetHashCode(EquatableArray<Diagnostic> obj) => obj.Count;
    }
}
