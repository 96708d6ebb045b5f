using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Traktor.Ecs.Net.Generators;

/// <summary>A diagnostic kept as plain data (file, span, arguments) so models stay equatable.</summary>
internal sealed record DiagnosticInfo(string Id, string FilePath, TextSpan Span, LinePositionSpan LineSpan, string Argument0, string Argument1)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, string argument0, string argument1 = "")
    {
        var lineSpan = location?.GetLineSpan();
        return new DiagnosticInfo(
            descriptor.Id,
            location?.SourceTree?.FilePath ?? string.Empty,
            location?.SourceSpan ?? default,
            lineSpan?.Span ?? default,
            argument0,
            argument1);
    }

    public Diagnostic ToDiagnostic()
    {
        var descriptor = GeneratorDiagnostics.ById(Id);
        var location = FilePath.Length == 0 ? Location.None : Location.Create(FilePath, Span, LineSpan);
        return Diagnostic.Create(descriptor, location, Argument0, Argument1);
    }
}
