using Infra.Topology.Model;
using Infra.Topology.Spec;
using static Infra.Topology.Configs.ProxyTimeouts;

namespace Infra.Topology.Configs;

/// <summary>
/// A standalone nginx.conf for one nginx instance: the reverse proxy in front of the haproxy on its own host.
/// Paths are relative to nginx's prefix (-p), so the same file runs in a container or from a test folder.
/// </summary>
public static class NginxConfig
{
    /// <summary>nginx's stub_status page, for the nginx exporter on the same host (only in a monitored stack).</summary>
    public const string StatusPath = "/__nginx_status";

    /// <summary>Idle connections each worker keeps open to haproxy.</summary>
    public const int UpstreamKeepAliveConnections = 32;

    public static string Render(StackTopology topology, Instance instance)
    {
        if (instance.Role != Role.Nginx)
        {
            throw new ArgumentException($"{instance.Name} is a {instance.Role}, not an nginx", nameof(instance));
        }

        var haproxy = topology.Targets(instance).Where(t => t.Role == Role.Haproxy).ToList();
        if (haproxy.Count == 0)
        {
            throw new InvalidOperationException($"{instance.Name} has no haproxy to proxy to");
        }

        var upstream = haproxy[0].Name;
        var w = new ConfigWriter().Header(topology, instance, "nginx.conf").Blank();
        w.Line("worker_processes auto;");
        w.Line("pid nginx.pid;");
        w.Line("error_log stderr;");
        w.Blank();
        w.Block("events", e => e.Line("worker_connections 1024;"));
        w.Blank();
        w.Block("http", http =>
        {
            http.Line("access_log /dev/stdout;");
            http.Line("server_tokens off;");
            http.Line("client_body_temp_path client_body_temp;");
            http.Line("proxy_temp_path proxy_temp;");
            http.Line("fastcgi_temp_path fastcgi_temp;");
            http.Line("uwsgi_temp_path uwsgi_temp;");
            http.Line("scgi_temp_path scgi_temp;");
            http.Blank();
            // Only the load balancer in front may say who the client is: its headers are taken, anyone else's replaced.
            var trusted = topology.Sources(instance).Where(s => s.Role == Role.LoadBalancer).Select(s => s.Address).Distinct().ToList();
            http.Comment("the client address, scheme and forwarding chain are taken only from the load balancer in front");
            foreach (var address in trusted)
            {
                http.Line($"set_real_ip_from {address};");
            }

            http.Line("real_ip_header X-Real-IP;");
            http.Block("geo $realip_remote_addr $from_load_balancer", g =>
            {
                g.Line("default 0;");
                foreach (var address in trusted)
                {
                    g.Line($"{address} 1;");
                }
            });
            http.Block("map $from_load_balancer $forwarded_proto", m =>
            {
                m.Line("1 $http_x_forwarded_proto;");
                m.Line("default $scheme;");
            });
            http.Block("map $from_load_balancer $forwarded_for", m =>
            {
                // after realip, $remote_addr is the client: the chain gets the load balancer's own address
                m.Line("1 \"$http_x_forwarded_for, $realip_remote_addr\";");
                m.Line("default $remote_addr;");
            });
            http.Block("map $from_load_balancer $forwarded_host", m =>
            {
                m.Line("1 $http_x_forwarded_host;");
                m.Line("default \"\";");
            });
            http.Blank();
            http.Block($"upstream {upstream}", u =>
            {
                foreach (var target in haproxy)
                {
                    u.Line($"server {ConfigWriter.Endpoint(LocalAddress(instance, target), target.Port)};");
                }

                u.Line($"keepalive {UpstreamKeepAliveConnections};");
                u.Comment("shorter than haproxy's keep-alive, so haproxy never closes a connection nginx is about to reuse");
                u.Line($"keepalive_timeout {Seconds(NginxUpstreamKeepAlive)};");
            });
            http.Blank();
            http.Block("server", s =>
            {
                s.Line($"listen {instance.Port};");
                if (ConfigWriter.IsIPv6(instance.Address))
                {
                    s.Line($"listen [::]:{instance.Port};");
                }

                s.Line("server_name _;");
                s.Blank();
                s.Comment("haproxy would see these requests come from 127.0.0.1, a local caller: they must stop here");
                s.Block($"location ^~ {HaproxyConfig.StatsPath}", l => l.Line("return 404;"));
                if (topology.Spec.Monitoring is not null)
                {
                    s.Blank();
                    s.Comment("for the nginx exporter on this host; the load balancer's requests arrive from its address, never from here");
                    s.Block($"location = {StatusPath}", l =>
                    {
                        l.Line("stub_status;");
                        l.Line("access_log off;");
                        l.Line("allow 127.0.0.1;");
                        l.Line("allow ::1;");
                        l.Line("deny all;");
                    });
                }
                s.Blank();
                s.Block("location /", l =>
                {
                    l.Line($"proxy_pass http://{upstream};");
                    l.Line("proxy_http_version 1.1;");
                    l.Line("proxy_set_header Connection \"\";");
                    l.Line("proxy_set_header Host $host;");
                    l.Line("proxy_set_header X-Forwarded-For $forwarded_for;");
                    l.Line("proxy_set_header X-Forwarded-Proto $forwarded_proto;");
                    l.Line("proxy_set_header X-Real-IP $remote_addr;");
                    l.Comment("an empty value drops the header: RFC 7239 Forwarded is not ours to pass on, X-Forwarded-Host only from the load balancer");
                    l.Line("proxy_set_header Forwarded \"\";");
                    l.Line("proxy_set_header X-Forwarded-Host $forwarded_host;");
                    l.Line($"proxy_connect_timeout {Seconds(NginxConnect)};");
                    l.Comment("haproxy retries across apps itself; wait out its worst case so its answer arrives");
                    l.Line($"proxy_read_timeout {Seconds(NginxRead)};");
                    l.Comment("one upstream: retry only a reused keep-alive connection that turned out closed, never a timeout");
                    l.Line("proxy_next_upstream error;");
                    l.Comment("haproxy closed without an answer (its app died with the request): say nothing either, so the load balancer");
                    l.Comment("may send a safe request to another nginx; an app's own 502 is passed on as it is, a timeout's 504 too");
                    l.Line("error_page 502 = @unanswered;");
                });
                s.Blank();
                s.Block("location @unanswered", l =>
                {
                    l.Block("if ($request_method !~ ^(GET|HEAD|OPTIONS)$)", i => i.Line("return 502;"));
                    l.Line("return 444;");
                });
            });
        });
        return w.ToString();
    }

    /// <summary>haproxy on the same host is reached over loopback; the firewall admits nothing else to it there.</summary>
    private static string LocalAddress(Instance nginx, Instance haproxy) =>
        haproxy.Host == nginx.Host ? "127.0.0.1" : haproxy.Address;
}
