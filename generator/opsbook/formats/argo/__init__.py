"""Argo Rollouts: Rollout resources in (read, make), Rollouts and AnalysisTemplates out
(write)."""
