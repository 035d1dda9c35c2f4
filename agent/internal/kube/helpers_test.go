package kube

import "k8s.io/apimachinery/pkg/runtime"

type runtimeObject = runtime.Object

func toRuntime(in []runtimeObject) []runtime.Object { return in }
