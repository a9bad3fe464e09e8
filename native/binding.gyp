{
  "targets": [
    {
      "target_name": "heimdall_torch",
      "sources": [
        "src/addon.cc",
        "src/handle.cc",
        "src/tensor_io.cc",
        "src/ops_math.cc",
        "src/ops_shape.cc",
        "src/ops_nn.cc",
        "src/ops_inplace.cc",
        "src/autograd.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node torch-paths.cjs include)"
      ],
      "libraries": ["<!@(node torch-paths.cjs libs)"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O2", "-Wno-unused-parameter"]
    }
  ]
}
