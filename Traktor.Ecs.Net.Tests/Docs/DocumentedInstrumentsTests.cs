using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Traktor.Ecs.Net.Backend.Http;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Scripting;

namespace Traktor.Ecs.Net.Tests.Docs;

/// <summary>
/// Every metric instrument the docs name (README.md and docs/*.md) is one the code publishes on a Traktor.* meter, and every
/// instrument the code publishes is named in the docs: an operator building a dashboard from docs/DEPLOY.md or
/// docs/TRANSPORT.md must not wait for a counter that does not exist, nor miss one that does.
/// </summary>
public partial class DocumentedInstrumentsTests
{
    /// <summary>The instrument namespaces; other <c>traktor.…</c> names in the docs are tags or Wireshark fields.</summary>
    private static readonly string[] Namespaces =
        ["traktor.net.", "traktor.peers.", "traktor.online.", "traktor.sessions.", "traktor.fleet.", "traktor.multiplayer.",
         "traktor.replication.", "traktor.prediction.", "traktor.scripts.", "traktor.backend."];

    /// <summary>A backticked name: <c>traktor.net.packets.sent/received</c> (alternatives of the last part), <c>traktor.replication.*</c>.</summary>
    [GeneratedRegex(@"`(traktor\.[a-z0-9_./]+\*?)`")]
    private static partial Regex Named();

    [Fact]
    public void Every_documented_instrument_is_published()
    {
        var published = Published();
        var missing = Documented().Where(d => !d.Name.EndsWith('*') && !published.ContainsKey(d.Name))
            .Select(d => $"{d.File}: {d.Name}").Distinct().ToList();

        Assert.True(missing.Count == 0, "named in the docs but not published: " + string.Join("; ", missing));
    }

    [Fact]
    public void Every_published_instrument_is_documented()
    {
        var documented = Documented();
        var exact = documented.Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        var prefixes = documented.Select(d => d.Name).Where(n => n.EndsWith(".*", StringComparison.Ordinal)).Select(n => n[..^1]).ToList();
        var undocumented = Published().Keys
            .Where(name => !exact.Contains(name) && !prefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal).ToList();

        Assert.True(undocumented.Count == 0, "published but named in no doc: " + string.Join(", ", undocumented));
    }

    [Fact]
    public void The_deployment_guide_names_the_directory_and_fleet_instruments_an_operator_watches()
    {
        string deploy = File.ReadAllText(Path.Combine(DocsCompileTests.RepositoryRoot(), "docs", "DEPLOY.md"));
        var named = Named().Matches(deploy).SelectMany(m => Expand(m.Groups[1].Value)).ToHashSet(StringComparer.Ordinal);
        var published = Published();

        foreach (string name in published.Keys.Where(n => n.StartsWith("traktor.fleet.", StringComparison.Ordinal) ||
                     published[n] == BackendMetrics.MeterName || n == "traktor.online.store.duration" ||
                     (n.StartsWith("traktor.sessions.", StringComparison.Ordinal) && published[n] == OnlineMetrics.MeterName)))
        {
            Assert.True(named.Contains(name), $"docs/DEPLOY.md does not name {name}");
        }

        Assert.Contains($"`{NetMetrics.MeterName}`", deploy);
        Assert.Contains($"`{OnlineMetrics.MeterName}`", deploy);
        Assert.Contains($"`{BackendMetrics.MeterName}`", deploy);
    }

    /// <summary>Instrument name → meter name, for every instrument on a meter named Traktor.* (the library's, the online services', the backend's).</summary>
    private static Dictionary<string, string> Published()
    {
        // The instruments are static fields: created when their class is first touched. Touch every class of the library's
        // assemblies that holds one (found by reflection, so a new metrics class cannot be forgotten here).
        foreach (var type in InstrumentHolders())
        {
            RuntimeHelpers.RunClassConstructor(type.TypeHandle);
        }

        var published = new Dictionary<string, string>(StringComparer.Ordinal);
        var gate = new Lock();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name.StartsWith("Traktor.", StringComparison.Ordinal))
                {
                    lock (gate)
                    {
                        published[instrument.Name] = instrument.Meter.Name;
                    }
                }
            },
        };
        // Start announces every instrument already created, before it returns.
        listener.Start();
        lock (gate)
        {
            return new Dictionary<string, string>(published, StringComparer.Ordinal);
        }
    }

    /// <summary>
    /// Every type of the Traktor assemblies beside the tests (every <c>Traktor*.dll</c> in the test's base directory but the
    /// tests themselves) with a static field holding an instrument or a meter. The folder, not the test project's
    /// references: a library the tests never touch by name would not be among those, and its instruments would escape.
    /// </summary>
    private static List<Type> InstrumentHolders()
    {
        var test = typeof(DocumentedInstrumentsTests).Assembly;
        var libraries = Directory.GetFiles(AppContext.BaseDirectory, "Traktor*.dll")
            .Select(path => System.Reflection.AssemblyName.GetAssemblyName(path))
            .Where(name => name.Name != test.GetName().Name)
            .Select(System.Reflection.Assembly.Load)
            .ToList();
        var holders = libraries
            .SelectMany(assembly => assembly.GetTypes())
            .Where(type => !type.ContainsGenericParameters && type.GetFields(StaticFields).Any(field =>
                typeof(Instrument).IsAssignableFrom(field.FieldType) || field.FieldType == typeof(Meter)))
            .ToList();
        // The meters' own classes must be among them, or the scan looks in the wrong place and checks nothing; and every
        // library the tests reference must be in the folder the scan reads.
        Assert.Contains(typeof(NetMetrics), holders);
        Assert.Contains(typeof(OnlineMetrics), holders);
        Assert.Contains(typeof(ScriptMetrics), holders);
        Assert.Contains(typeof(BackendMetrics), holders);
        Assert.All(test.GetReferencedAssemblies().Where(name => name.Name!.StartsWith("Traktor.", StringComparison.Ordinal)),
            referenced => Assert.Contains(libraries, library => library.GetName().Name == referenced.Name));
        return holders;
    }

    private const System.Reflection.BindingFlags StaticFields =
        System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic |
        System.Reflection.BindingFlags.DeclaredOnly;

    private static List<(string File, string Name)> Documented()
    {
        string root = DocsCompileTests.RepositoryRoot();
        var files = Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Append(Path.Combine(root, "README.md"));
        return files.SelectMany(file => Named().Matches(File.ReadAllText(file))
                .SelectMany(m => Expand(m.Groups[1].Value))
                .Where(name => Namespaces.Any(ns => name.StartsWith(ns, StringComparison.Ordinal)) && !name.EndsWith('.'))
                .Select(name => (Path.GetFileName(file), name)))
            .ToList();
    }

    /// <summary><c>a.b.c/d/e</c> → <c>a.b.c</c>, <c>a.b.d</c>, <c>a.b.e</c>.</summary>
    private static IEnumerable<string> Expand(string written)
    {
        string[] parts = written.Split('/');
        int lastDot = parts[0].LastIndexOf('.');
        yield return parts[0];
        foreach (string alternative in parts.Skip(1))
        {
            yield return parts[0][..(lastDot + 1)] + alternative;
        }
    }
}
