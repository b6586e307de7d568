using System.Text.Json.Nodes;
using Infra.Topology.Plan;
using Infra.Topology.Tests.Support;

namespace Infra.Topology.Tests.Plan;

public class DockerApiTests
{
    [Fact]
    public void A_crate_node_becomes_the_engine_api_s_create_body()
    {
        var plan = Planner.Plan(Repo.Topology("two-host"));
        var spec = ((ContainerStep)plan.Step("host1-crate-4200-container")).Spec;

        Assert.Equal("/containers/create?name=host1-crate-4200", DockerApi.CreatePath(spec));
        Assert.Equal(
            $$"""
            {
              "Image": "{{spec.Image}}",
              "Env": [
                "CRATE_HEAP_SIZE=2g"
              ],
              "Labels": {
                "microblog.stack": "two-host",
                "microblog.role": "Crate",
                "microblog.ports": "4200,4300,5432"
              },
              "Healthcheck": {
                "Test": [
                  "CMD",
                  "curl",
                  "-sS",
                  "-o",
                  "/dev/null",
                  "http://192.0.2.11:4200/"
                ],
                "Interval": 2000000000,
                "Timeout": 2000000000,
                "Retries": 3,
                "StartPeriod": 60000000000
              },
              "HostConfig": {
                "NetworkMode": "host",
                "RestartPolicy": {
                  "Name": "unless-stopped"
                },
                "Mounts": [
                  {
                    "Type": "bind",
                    "Source": "/etc/microblog/two-host/crate-4200/crate.yml",
                    "Target": "/crate/config/crate.yml",
                    "ReadOnly": true
                  },
                  {
                    "Type": "volume",
                    "Source": "host1-crate-4200-data",
                    "Target": "/data",
                    "ReadOnly": false
                  }
                ],
                "CapDrop": [
                  "NET_RAW"
                ]
              }
            }
            """,
            DockerApi.CreateBody(spec).ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    }

    [Fact]
    public void A_health_check_stays_in_exec_form_where_the_cli_would_wrap_it_in_a_shell()
    {
        var plan = Planner.Plan(Repo.Topology("monitored"));
        var exporter = ((ContainerStep)plan.Step("host1-nginx-exporter-container")).Spec;

        // The nginx exporter's image has no shell: `--health-cmd` would run this through /bin/sh -c and never succeed.
        var test = DockerApi.CreateBody(exporter)["Healthcheck"]!["Test"]!.AsArray().Select(t => t!.GetValue<string>());
        Assert.Equal(["CMD", "/usr/bin/nginx-prometheus-exporter", "--version"], test);
    }

    [Fact]
    public void The_app_runs_as_the_stack_s_app_user_the_load_balancer_as_root_and_the_node_exporter_with_the_host_s_processes()
    {
        var plan = Planner.Plan(Repo.Topology("monitored"));

        var app = DockerApi.CreateBody(((ContainerStep)plan.Step("host2-app-9210-container")).Spec);
        Assert.Equal("10001:10001", app["User"]!.GetValue<string>());
        Assert.Equal(["/etc/microblog/app.conf"], app["Cmd"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Equal("root", DockerApi.CreateBody(((ContainerStep)plan.Step("front-lb-container")).Spec)["User"]!.GetValue<string>());
        Assert.Null(DockerApi.CreateBody(((ContainerStep)plan.Step("host1-haproxy-container")).Spec)["User"]);

        var exporter = DockerApi.CreateBody(((ContainerStep)plan.Step("host1-node-exporter-container")).Spec);
        Assert.Equal("host", exporter["HostConfig"]!["PidMode"]!.GetValue<string>());
        var root = exporter["HostConfig"]!["Mounts"]!.AsArray().Single(m => m!["Target"]!.GetValue<string>() == "/host")!;
        Assert.Equal("/", root["Source"]!.GetValue<string>());
        Assert.True(root["ReadOnly"]!.GetValue<bool>());
        Assert.Equal("rslave", root["BindOptions"]!["Propagation"]!.GetValue<string>());
        Assert.Contains("--path.rootfs=/host", exporter["Cmd"]!.AsArray().Select(c => c!.GetValue<string>()));
    }

    /// <summary>Every field of the spec reaches the body: a field added to ContainerSpec but not mapped fails here.</summary>
    [Fact]
    public void Changing_any_field_of_the_spec_changes_the_body()
    {
        var spec = ((ContainerStep)Planner.Plan(Repo.Topology("two-host")).Step("host1-crate-4200-container")).Spec;
        var variants = new Dictionary<string, ContainerSpec>
        {
            [nameof(ContainerSpec.Name)] = spec with { Name = "other" },
            [nameof(ContainerSpec.Image)] = spec with { Image = "crate:6" },
            [nameof(ContainerSpec.Command)] = spec with { Command = ["-Cx=y"] },
            [nameof(ContainerSpec.Environment)] = spec with { Environment = ["A=B"] },
            [nameof(ContainerSpec.User)] = spec with { User = "root" },
            [nameof(ContainerSpec.Mounts)] = spec with { Mounts = [new Mount(MountKind.Bind, "/a", "/b", ReadOnly: false, Propagation: "rslave")] },
            [nameof(ContainerSpec.Health)] = spec with { Health = spec.Health with { Retries = 9 } },
            [nameof(ContainerSpec.RestartPolicy)] = spec with { RestartPolicy = "always" },
            [nameof(ContainerSpec.NetworkMode)] = spec with { NetworkMode = "bridge" },
            [nameof(ContainerSpec.Labels)] = spec with { Labels = [] },
            [nameof(ContainerSpec.PidMode)] = spec with { PidMode = "host" },
            [nameof(ContainerSpec.CapDrop)] = spec with { CapDrop = ["NET_RAW", "CHOWN"] },
        };

        Assert.Equal(
            typeof(ContainerSpec).GetProperties().Where(p => p.DeclaringType == typeof(ContainerSpec) && p.GetMethod!.IsPublic && p.SetMethod is not null).Select(p => p.Name).Order(),
            variants.Keys.Order());
        string Request(ContainerSpec s) => DockerApi.CreatePath(s) + DockerApi.CreateBody(s).ToJsonString();
        var original = Request(spec);
        Assert.All(variants, v => Assert.NotEqual(original, Request(v.Value)));
    }

    [Fact]
    public void The_request_carries_its_length_and_a_response_is_read_plain_or_chunked()
    {
        var spec = ((ContainerStep)Planner.Plan(Repo.Topology("dev")).Step("localhost-app-9210-container")).Spec;
        var request = DockerApi.CreateRequest(spec);
        var body = request[(request.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        Assert.Contains($"Content-Length: {System.Text.Encoding.UTF8.GetByteCount(body)}\r\n", request, StringComparison.Ordinal);
        Assert.Equal(spec.Image, JsonNode.Parse(body)!["Image"]!.GetValue<string>());

        Assert.Equal((201, "{\"Id\":\"abc\",\"Warnings\":[]}"), DockerApi.ParseResponse("HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 27\r\n\r\n{\"Id\":\"abc\",\"Warnings\":[]}\n"));
        Assert.Equal((409, "{\"message\":\"Conflict\"}"), DockerApi.ParseResponse("HTTP/1.1 409 Conflict\r\nTransfer-Encoding: chunked\r\n\r\n16\r\n{\"message\":\"Conflict\"}\r\n0\r\n\r\n"));
        Assert.Equal(2_000_000_000L, DockerApi.Nanoseconds("2s"));
        Assert.Equal(500_000_000L, DockerApi.Nanoseconds("500ms"));
    }
}
