namespace MeshProxy.Core.Config.Http;

/// <summary>Envoy's <c>QueryParameterMatcher</c>: the named parameter is present, or its value matches.</summary>
/// <param name="Name">Parameter name, compared exactly.</param>
/// <param name="Value">The value comparison; null means "present".</param>
public sealed record QueryParameterMatcherConfig(string Name, StringMatcherConfig? Value);
